#!/usr/bin/env python3
"""How long the disk under --dir takes to make a small write durable, with nothing of Bazaar's
running: rewrites 8 KiB and calls fdatasync every --interval ms (about a busy database's commit
rate) for --seconds. A commit waits for the same, so a stall here is a stall of every durable
commit, and bounds the p99 the order benchmark can show on this machine. Prints
`FSYNC syncs=<n> p50=<ms> p99=<ms> p999=<ms> max=<ms> over25=<n> over100=<n>`. Standard library only."""
import argparse, os, tempfile, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--interval", type=float, default=4)
    args = parser.parse_args()
    handle, path = tempfile.mkstemp(dir=args.dir, prefix="fsyncprobe.")
    try:
        block = b"\x5a" * 8192
        waits = []
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            os.pwrite(handle, block, 0)
            began = time.perf_counter()
            os.fdatasync(handle)
            waits.append(1000 * (time.perf_counter() - began))
            time.sleep(args.interval / 1000)
    finally:
        os.close(handle)
        os.unlink(path)
    waits.sort()
    at = lambda share: waits[min(len(waits) - 1, int(share * len(waits)))]
    print(f"FSYNC syncs={len(waits)} p50={at(0.5):.2f} p99={at(0.99):.2f} p999={at(0.999):.1f} max={waits[-1]:.1f} "
          f"over25={sum(1 for w in waits if w > 25)} over100={sum(1 for w in waits if w > 100)}")


if __name__ == "__main__":
    main()
