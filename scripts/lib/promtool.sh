# Sourced by scripts/test: promtool (from Debian's prometheus package) checks the /metrics
# exposition in the tests. Installs it when missing; sets BAZAAR_TEST_PROMTOOL. Fails loudly.

promtool_fail() { echo "promtool: $*" >&2; exit 1; }

if ! command -v promtool >/dev/null; then
  echo "promtool: installing the prometheus package (for promtool) from the system packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || promtool_fail "apt-get update failed; cannot install promtool"
  $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null || promtool_fail "could not install prometheus (for promtool)"
fi
BAZAAR_TEST_PROMTOOL="$(command -v promtool)" || promtool_fail "promtool not found after installing prometheus"
export BAZAAR_TEST_PROMTOOL
