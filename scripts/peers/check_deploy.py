#!/usr/bin/env python3
"""Checks deploy/ against what Bazaar is, for the test suite (no Docker engine needed).

  check_deploy.py DEPLOY_DIR --modules identity,catalog,… --families bazaar_a,bazaar_b,…
                  --exposition FILE [--exposition FILE …]

- docker-compose.yml: one `bazaar serve` service per module plus the gateway; every Bazaar
  service knows every module's URL and the Kafka broker (a KRaft node), and each URL names the service serving that module;
  only the gateway is published, and it waits for every module; the dashboards and provisioning are mounted where the
  provisioning looks for them.
- prometheus/prometheus.yml: scrapes exactly the Bazaar services.
- grafana: every panel uses the provisioned data source; the dashboard uses only the metric
  families Bazaar defines (--families), covers all of them, and each one it uses was seen in a
  live exposition (--exposition: /metrics of a running cluster).
Prints one line per problem and exits 1, or prints "deploy ok".
"""
import argparse
import json
import pathlib
import re
import sys

import yaml

problems = []


def problem(text):
    problems.append(text)


def families_in(expression):
    names = set(re.findall(r"\bbazaar_[a-z0-9_]+", expression))
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in names}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("deploy")
    parser.add_argument("--modules", required=True)
    parser.add_argument("--families", required=True)
    parser.add_argument("--exposition", action="append", default=[])
    args = parser.parse_args()
    deploy = pathlib.Path(args.deploy)
    modules = args.modules.split(",")
    families = set(args.families.split(","))

    compose = yaml.safe_load((deploy / "docker-compose.yml").read_text())
    services = compose.get("services", {})
    bazaar = {name: spec for name, spec in services.items() if "BAZAAR_MODULES" in (spec.get("environment") or {})}
    served = {spec["environment"]["BAZAAR_MODULES"]: name for name, spec in bazaar.items()}
    if sorted(served) != sorted(modules + ["gateway"]):
        problem(f"compose serves {sorted(served)}, expected one service per module and the gateway: {sorted(modules + ['gateway'])}")
    for name, spec in bazaar.items():
        environment = spec["environment"]
        for module in modules:
            url = environment.get(f"BAZAAR_{module.upper()}_URL")
            expected = f"http://{served.get(module, '?')}:8080"
            if url != expected:
                problem(f"compose service {name}: BAZAAR_{module.upper()}_URL is {url!r}, expected {expected!r}")
        if "@postgres:" not in environment.get("BAZAAR_DATABASE", ""):
            problem(f"compose service {name}: BAZAAR_DATABASE does not point at the postgres service")
        if "postgres" not in (spec.get("depends_on") or {}):
            problem(f"compose service {name}: does not wait for postgres")
        if environment.get("BAZAAR_KAFKA_BROKERS") != "kafka:9092" or "kafka" not in (spec.get("depends_on") or {}):
            problem(f"compose service {name}: BAZAAR_KAFKA_BROKERS should be kafka:9092, with the kafka service started first")
        published = bool(spec.get("ports"))
        if published != (environment["BAZAAR_MODULES"] == "gateway"):
            problem(f"compose service {name}: {'published' if published else 'not published'}; only the gateway should be")
        behind_gateway = environment["BAZAAR_MODULES"] != "gateway"
        if behind_gateway and environment.get("BAZAAR_TRUST_FORWARDED_FOR") != "true":
            problem(f"compose service {name}: behind the gateway it must trust X-Forwarded-For")
    gateway = bazaar.get(served.get("gateway", ""), {})
    waits_for = set(gateway.get("depends_on") or {})
    for module in modules:
        if served.get(module) not in waits_for:
            problem(f"compose: the gateway does not wait for {served.get(module, module)}")
    kafka = (services.get("kafka") or {}).get("environment") or {}
    if kafka.get("KAFKA_PROCESS_ROLES") != "broker,controller":
        problem("compose: the kafka service should run one KRaft node (KAFKA_PROCESS_ROLES broker,controller)")
    for extra in ("postgres", "kafka", "prometheus", "grafana"):
        if extra not in services:
            problem(f"compose has no {extra} service")

    prometheus = yaml.safe_load((deploy / "prometheus" / "prometheus.yml").read_text())
    targets = {target for job in prometheus.get("scrape_configs", []) for group in job.get("static_configs", []) for target in group.get("targets", [])}
    expected_targets = {f"{name}:8080" for name in bazaar}
    if targets != expected_targets:
        problem(f"prometheus scrapes {sorted(targets)}, expected {sorted(expected_targets)}")

    grafana = services.get("grafana", {})
    mounts = dict(volume.split(":")[:2] for volume in grafana.get("volumes", []) if volume.startswith("./"))
    provider = yaml.safe_load((deploy / "grafana" / "provisioning" / "dashboards" / "bazaar.yml").read_text())
    dashboard_path = provider["providers"][0]["options"]["path"]
    if mounts.get("./grafana/dashboards") != dashboard_path:
        problem(f"grafana mounts the dashboards at {mounts.get('./grafana/dashboards')}, the provider reads {dashboard_path}")
    if mounts.get("./grafana/provisioning") != "/etc/grafana/provisioning":
        problem("grafana does not mount ./grafana/provisioning at /etc/grafana/provisioning")
    datasources = yaml.safe_load((deploy / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    source_uids = {source["uid"] for source in datasources["datasources"]}

    dashboard = json.loads((deploy / "grafana" / "dashboards" / "bazaar.json").read_text())
    used = set()
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        if panel.get("datasource", {}).get("uid") not in source_uids:
            problem(f"panel {panel['title']!r} uses data source {panel.get('datasource')}, not a provisioned one")
        for target in panel.get("targets", []):
            found = families_in(target["expr"])
            if not found:
                problem(f"panel {panel['title']!r}: expression uses no Bazaar metric: {target['expr']}")
            used |= found
    for name in sorted(used - families):
        problem(f"dashboard uses {name}, which Bazaar does not define")
    for name in sorted(families - used):
        problem(f"dashboard does not show {name}")

    exposed = set()
    for path in args.exposition:
        for line in pathlib.Path(path).read_text().splitlines():
            if line.startswith("# TYPE "):
                exposed.add(line.split()[2])
    for name in sorted(used - exposed):
        problem(f"dashboard uses {name}, which no process of the cluster exposed")

    for line in problems:
        print(line)
    if not problems:
        print("deploy ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
