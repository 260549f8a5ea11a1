#!/usr/bin/env python3
"""deploy/'s compose file and Kubernetes manifests hang together, without a cluster or an engine.

usage: manifests_test.py DEPLOY_DIR OMNIBROKER_BINARY

Every file parses; what one names, another has (the headless Service of the StatefulSet, the
ConfigMap of the volumes, the ports of the probes, the pods a PodDisruptionBudget selects, the
gateway's admin port in its probes and health check); the grace periods outlast the broker's
drain; pods run as the image's user; and the broker configs pass `omnibroker check-config`. Prints each problem and exits 1 if there is any.
"""
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def load_all(path):
    try:
        return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        problems.append(f"{path}: {e}")
        return []


SECRETS_MOUNT = "/run/secrets/omnibroker"


def check_config(binary, text, where):
    """Runs omnibroker check-config on a broker config given as text, with the secrets it names
    made by deploy/make-secrets.sh where the deployment mounts them."""
    secrets = make_secrets(binary)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(text.replace(SECRETS_MOUNT, secrets))
        f.flush()
        run = subprocess.run([binary, "check-config", "--config", f.name],
                             capture_output=True, text=True)
    lines = run.stdout.splitlines()
    check(run.returncode == 0 and lines and lines[-1].startswith("OK: ")
          and not any(line.startswith("warning: insecure") for line in lines),
          f"{where}: check-config says {run.stdout}{run.stderr}")


_secrets_dir = None


def make_secrets(binary):
    """The secrets of one deployment, made once for the whole run the way compose makes them."""
    global _secrets_dir
    if _secrets_dir is None:
        _secrets_dir = tempfile.TemporaryDirectory()
        script = pathlib.Path(__file__).parents[2] / "deploy" / "make-secrets.sh"
        subprocess.run([str(script), _secrets_dir.name, binary], check=True)
    return _secrets_dir.name


def secret_files(text):
    """The files a config names under the secrets mount."""
    return set(re.findall(re.escape(SECRETS_MOUNT) + r"/([\w.-]+)", text))


def check_secret_items(kind, name, pod, config_text):
    """The pod mounts, at the secrets mount, a Secret volume that holds every file its config
    names there."""
    spec = pod["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounted = set()
    for c in spec["containers"]:
        for m in c.get("volumeMounts", []):
            volume = volumes.get(m["name"], {})
            if m["mountPath"] == SECRETS_MOUNT and "secret" in volume:
                mounted |= {item["path"] for item in volume["secret"].get("items", [])}
    missing = secret_files(config_text) - mounted
    check(not missing, f"{kind} {name}: its config names secrets it does not mount: {missing}")


def duration_seconds(text):
    match = re.fullmatch(r"(\d+)s", str(text))
    return int(match.group(1)) if match else None


def image_user(deploy):
    match = re.search(r"^USER (\d+):(\d+)$", (deploy / "Dockerfile").read_text(), re.M)
    check(match, "Dockerfile: no numeric USER uid:gid")
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)


def check_pod(kind, name, pod, config_maps, uid, gid, grace_floor):
    labels = pod["metadata"]["labels"]
    spec = pod["spec"]
    security = spec.get("securityContext", {})
    check(security.get("runAsNonRoot") is True, f"{kind} {name}: runAsNonRoot is not true")
    check((security.get("runAsUser"), security.get("runAsGroup")) == (uid, gid),
          f"{kind} {name}: runs as {security.get('runAsUser')}:{security.get('runAsGroup')}, "
          f"the image as {uid}:{gid}")
    check(spec.get("terminationGracePeriodSeconds", 30) > grace_floor,
          f"{kind} {name}: terminationGracePeriodSeconds does not outlast the "
          f"{grace_floor} s drain")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for v in volumes.values():
        if "configMap" in v:
            check(v["configMap"]["name"] in config_maps,
                  f"{kind} {name}: volume {v['name']} names a missing ConfigMap")
    for c in spec["containers"]:
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe not in c:
                continue
            action = next(iter(k for k in c[probe] if k in ("httpGet", "tcpSocket", "grpc")))
            port = c[probe][action]["port"]
            check(port in ports or port in ports.values(),
                  f"{kind} {name}: {probe} uses port {port}, not one of the container's")
        check(any(p in c for p in ("livenessProbe", "readinessProbe")),
              f"{kind} {name}: container {c['name']} has no probe")
    return labels, volumes


def admin_port(gateway_yaml):
    """The port of a gateway config's admin_listen (the default when absent, None when off)."""
    listen = gateway_yaml.get("admin_listen", "127.0.0.1:9465")
    return int(listen.rsplit(":", 1)[1]) if listen else None


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def check_k8s(deploy, binary, uid, gid):
    k8s = deploy / "k8s"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {p.name for p in k8s.glob("*.yaml")} - {"kustomization.yaml"}
    check(listed == present, f"k8s: kustomization lists {sorted(listed)}, the folder has "
          f"{sorted(present)}")
    objects = [o for name in sorted(present) for o in load_all(k8s / name)]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o

    config_maps = by_kind.get("ConfigMap", {})
    broker_yaml = {}
    for name, cm in config_maps.items():
        if "omnibroker.yaml" in cm["data"]:
            check_config(binary, cm["data"]["omnibroker.yaml"], f"ConfigMap {name} omnibroker.yaml")
            broker_yaml = yaml.safe_load(cm["data"]["omnibroker.yaml"])
    check(broker_yaml, "k8s: no ConfigMap holds omnibroker.yaml")
    grace = broker_yaml.get("shutdown_grace_seconds", 10)

    services = by_kind.get("Service", {})
    check(by_kind.get("StatefulSet"), "k8s: no StatefulSet")
    for name, sts in by_kind.get("StatefulSet", {}).items():
        spec = sts["spec"]
        pod_labels, _ = check_pod("StatefulSet", name, spec["template"], config_maps, uid, gid,
                                  grace)
        check(matches(spec["selector"], pod_labels), f"StatefulSet {name}: selector misses its pods")
        service = services.get(spec["serviceName"])
        if check(service, f"StatefulSet {name}: serviceName {spec['serviceName']} is no Service"):
            check(service["spec"].get("clusterIP") == "None",
                  f"Service {spec['serviceName']}: not headless (clusterIP: None)")
            check(service["spec"]["selector"].items() <= pod_labels.items(),
                  f"Service {spec['serviceName']}: selector misses the StatefulSet's pods")
        claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
        mounts = {m["name"]: m["mountPath"] for c in spec["template"]["spec"]["containers"]
                  for m in c.get("volumeMounts", [])}
        data_dir = broker_yaml.get("data_dir")
        check(any(mounts.get(c) == data_dir for c in claims),
              f"StatefulSet {name}: no volumeClaimTemplate mounted at data_dir {data_dir}")
        pdbs = [p for p in by_kind.get("PodDisruptionBudget", {}).values()
                if matches(p["spec"]["selector"], pod_labels)]
        check(pdbs, f"StatefulSet {name}: no PodDisruptionBudget selects its pods")
        # A gateway addresses the first broker pod by its stable name.
        for cm in config_maps.values():
            if "omni-gateway.yaml" in cm["data"]:
                ingest_port = broker_yaml["ingest_listen"].rsplit(":", 1)[1]
                want = f"tcp://{name}-0.{spec['serviceName']}:{ingest_port}"
                got = yaml.safe_load(cm["data"]["omni-gateway.yaml"])["broker"]
                check(got == want, f"omni-gateway.yaml: broker {got}, the StatefulSet is {want}")
    for name, sts in by_kind.get("StatefulSet", {}).items():
        check_secret_items("StatefulSet", name, sts["spec"]["template"],
                           next(cm["data"]["omnibroker.yaml"] for cm in config_maps.values()
                                if "omnibroker.yaml" in cm["data"]))
    for name, deployment in by_kind.get("Deployment", {}).items():
        check_pod("Deployment", name, deployment["spec"]["template"], config_maps, uid, gid, grace)
        gateway_texts = [cm["data"]["omni-gateway.yaml"] for cm in config_maps.values()
                         if "omni-gateway.yaml" in cm["data"]]
        if name == "omni-gateway" and gateway_texts:
            check_secret_items("Deployment", name, deployment["spec"]["template"], gateway_texts[0])
    # The gateway's probes ask its admin port: the container's port named admin is admin_listen's.
    for cm in config_maps.values():
        if "omni-gateway.yaml" in cm["data"]:
            want = admin_port(yaml.safe_load(cm["data"]["omni-gateway.yaml"]))
            gateway = by_kind.get("Deployment", {}).get("omni-gateway")
            if check(gateway, "k8s: no Deployment omni-gateway"):
                ports = {p["name"]: p["containerPort"]
                         for c in gateway["spec"]["template"]["spec"]["containers"]
                         for p in c.get("ports", [])}
                check(ports.get("admin") == want,
                      f"Deployment omni-gateway: port admin is {ports.get('admin')}, "
                      f"omni-gateway.yaml's admin_listen {want}")


def check_compose(deploy, binary):
    compose = load_all(deploy / "compose.yaml")
    if not check(compose, "compose.yaml: empty"):
        return
    services = compose[0]["services"]
    broker_text = (deploy / "container" / "omnibroker.yaml").read_text()
    check_config(binary, broker_text, "container/omnibroker.yaml")
    broker_yaml = yaml.safe_load(broker_text)
    gateway_yaml = yaml.safe_load((deploy / "container" / "omni-gateway.yaml").read_text())
    host, port = gateway_yaml["broker"].removeprefix("tcp://").rsplit(":", 1)
    check(host in services, f"container/omni-gateway.yaml: broker host {host} is no compose service")
    check(broker_yaml["ingest_listen"].endswith(":" + port),
          f"container/omni-gateway.yaml: port {port} is not the broker's ingest_listen")
    grace = broker_yaml.get("shutdown_grace_seconds", 10)
    for name, service in services.items():
        if service.get("restart") == "no":
            continue  # a one-shot (the secrets), nothing to drain
        stop = duration_seconds(service.get("stop_grace_period", "10s"))
        check(stop is not None and stop > grace,
              f"compose {name}: stop_grace_period does not outlast the {grace} s drain")
    check("healthcheck" in services.get("broker", {}), "compose broker: no healthcheck")
    # The secrets are made before anything that reads them starts, and mounted where read.
    for name in ("broker", "gateway"):
        service = services.get(name, {})
        check(service.get("depends_on", {}).get("secrets", {}).get("condition")
              == "service_completed_successfully" or name == "gateway",
              f"compose {name}: does not wait for the secrets service")
        check(any(str(v).split(":")[1] == SECRETS_MOUNT for v in service.get("volumes", [])),
              f"compose {name}: no secrets volume at {SECRETS_MOUNT}")
    gateway_check = " ".join(services.get("gateway", {}).get("healthcheck", {}).get("test", []))
    check(f"/dev/tcp/127.0.0.1/{admin_port(gateway_yaml)} " in gateway_check,
          f"compose gateway: the healthcheck does not ask admin_listen's port "
          f"{admin_port(gateway_yaml)}")


def main():
    deploy, binary = pathlib.Path(sys.argv[1]), sys.argv[2]
    uid, gid = image_user(deploy)
    check_k8s(deploy, binary, uid, gid)
    check_compose(deploy, binary)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print("OK: compose.yaml and k8s/ hang together")
    return 0


if __name__ == "__main__":
    sys.exit(main())
