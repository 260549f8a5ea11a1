#!/usr/bin/env python3
"""deploy/'s compose files and Kubernetes manifests hang together, without a cluster or an engine.

usage: manifests_test.py DEPLOY_DIR OMNIBROKER_BINARY

Every file parses; what one names, another has (the headless Service of the StatefulSet, the
ConfigMap of the volumes, the ports of the probes, the pods a PodDisruptionBudget selects, the
gateway's admin port in its probes and health check); the grace periods outlast the broker's
drain; pods run as the image's user; and the broker configs pass `omnibroker check-config`. The
cluster's (compose-cluster.yaml, k8s-cluster/): every NATS server routes to all the others, every
broker names all the NATS servers and advertises where it is reached, the gateway is given every
broker, and each StatefulSet spreads its pods over nodes with a PodDisruptionBudget. Prints each problem and exits 1 if there is any.
"""
import os
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


def check_config(binary, text, where, env=None):
    """Runs omnibroker check-config on a broker config given as text (and OMNIBROKER_ variables
    `env` over it), with the secrets it names made by deploy/make-secrets.sh where the deployment
    mounts them."""
    secrets = make_secrets(binary)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(text.replace(SECRETS_MOUNT, secrets))
        f.flush()
        run = subprocess.run([binary, "check-config", "--config", f.name],
                             capture_output=True, text=True, env={**os.environ, **(env or {})})
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


def flag(args, name):
    """The value after `name` in a command line, or None."""
    return args[args.index(name) + 1] if name in args else None


def check_compose_cluster(deploy, binary):
    compose = load_all(deploy / "compose-cluster.yaml")
    if not check(compose, "compose-cluster.yaml: empty"):
        return
    services = compose[0]["services"]
    nats = {n: s for n, s in services.items() if s.get("entrypoint") == ["/usr/sbin/nats-server"]}
    brokers = {n: s for n, s in services.items()
               if "OMNIBROKER_CLUSTER__SERVERS" in s.get("environment", {})}
    check(len(nats) == 3, f"compose-cluster: {len(nats)} NATS servers, not 3")
    check(len(brokers) >= 2, f"compose-cluster: {len(brokers)} brokers")
    routes = ",".join(f"nats://{n}:6222" for n in sorted(nats))
    for name, service in nats.items():
        args = service.get("command", [])
        check(flag(args, "--name") == name, f"compose-cluster {name}: --name is not its own")
        check(flag(args, "--routes") == routes, f"compose-cluster {name}: routes are not {routes}")
        store = flag(args, "--store_dir")
        check(any(str(v).endswith(":" + str(store)) for v in service.get("volumes", [])),
              f"compose-cluster {name}: no volume at its store_dir {store}")
        check(service.get("restart") == "unless-stopped", f"compose-cluster {name}: not restarted")
    broker_text = (deploy / "container" / "omnibroker.yaml").read_text()
    broker_yaml = yaml.safe_load(broker_text)
    ingest_port = broker_yaml["ingest_listen"].rsplit(":", 1)[1]
    servers = ",".join(f"nats://{n}:4222" for n in sorted(nats))
    grace = broker_yaml.get("shutdown_grace_seconds", 10)
    for name, service in brokers.items():
        env = {k: str(v) for k, v in service["environment"].items()}
        check(env["OMNIBROKER_CLUSTER__SERVERS"] == servers,
              f"compose-cluster {name}: cluster servers are not {servers}")
        check(env.get("OMNIBROKER_CLUSTER__BROKER_ID") == name,
              f"compose-cluster {name}: broker_id is not its name")
        check(env.get("OMNIBROKER_CLUSTER__INGEST_ADDRESS") == f"tcp://{name}:{ingest_port}",
              f"compose-cluster {name}: ingest_address does not name it")
        check(str(env.get("OMNIBROKER_CLUSTER__GRPC_ADDRESS", "")).startswith(name + ":"),
              f"compose-cluster {name}: grpc_address does not name it")
        check_config(binary, broker_text, f"compose-cluster {name}", env)
        stop = duration_seconds(service.get("stop_grace_period", "10s"))
        check(stop is not None and stop > grace,
              f"compose-cluster {name}: stop_grace_period does not outlast the {grace} s drain")
        check("healthcheck" in service, f"compose-cluster {name}: no healthcheck")
        check(service.get("restart") == "unless-stopped",
              f"compose-cluster {name}: not restarted (a broker that lost a lease exits 75)")
    want = ",".join(str(brokers[n]["environment"]["OMNIBROKER_CLUSTER__INGEST_ADDRESS"])
                    for n in sorted(brokers))
    got = services.get("gateway", {}).get("environment", {}).get("OMNI_GATEWAY_BROKER")
    check(got == want, f"compose-cluster gateway: brokers {got}, not every broker {want}")


def spread_over_nodes(pod_spec, labels):
    """Whether a pod template's required anti-affinity keeps two of its pods off one node."""
    terms = (pod_spec.get("affinity", {}).get("podAntiAffinity", {})
             .get("requiredDuringSchedulingIgnoredDuringExecution", []))
    return any(t.get("topologyKey") == "kubernetes.io/hostname"
               and matches(t["labelSelector"], labels) for t in terms)


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_k8s_cluster(deploy, binary, uid, gid):
    overlay = deploy / "k8s-cluster"
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    check("../k8s" in kustomization["resources"], "k8s-cluster: does not build on ../k8s")
    own = {r for r in kustomization["resources"] if r != "../k8s"}
    patches = {p["path"] for p in kustomization.get("patches", [])}
    present = {p.name for p in overlay.glob("*.yaml")} - {"kustomization.yaml"}
    check(own | patches == present,
          f"k8s-cluster: kustomization names {sorted(own | patches)}, the folder has "
          f"{sorted(present)}")
    objects = [o for name in sorted(own) for o in load_all(overlay / name)]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    base = {}
    for name in yaml.safe_load((deploy / "k8s" / "kustomization.yaml").read_text())["resources"]:
        for o in load_all(deploy / "k8s" / name):
            base.setdefault(o["kind"], {})[o["metadata"]["name"]] = o

    nats = by_kind.get("StatefulSet", {}).get("nats")
    if not check(nats, "k8s-cluster: no StatefulSet nats"):
        return
    spec = nats["spec"]
    replicas = spec["replicas"]
    check(replicas == 3, f"StatefulSet nats: {replicas} replicas, not 3")
    labels, _ = check_pod("StatefulSet", "nats", spec["template"], {}, uid, gid, 0)
    check(spread_over_nodes(spec["template"]["spec"], labels),
          "StatefulSet nats: its pods may share a node (no required anti-affinity)")
    service = by_kind.get("Service", {}).get(spec["serviceName"])
    if check(service, f"StatefulSet nats: serviceName {spec['serviceName']} is no Service"):
        check(service["spec"].get("clusterIP") == "None", "Service nats: not headless")
        check(service["spec"]["selector"].items() <= labels.items(),
              "Service nats: selector misses its pods")
    check(any(matches(p["spec"]["selector"], labels)
              for p in by_kind.get("PodDisruptionBudget", {}).values()),
          "StatefulSet nats: no PodDisruptionBudget selects its pods")
    args = spec["template"]["spec"]["containers"][0]["args"]
    names = [f"nats-{i}.{spec['serviceName']}" for i in range(replicas)]
    check(flag(args, "--routes") == ",".join(f"nats://{n}:6222" for n in names),
          "StatefulSet nats: routes do not name every server")

    broker_base = base["StatefulSet"]["omnibroker"]
    service_name = broker_base["spec"]["serviceName"]
    patch = load_all(overlay / "broker-patch.yaml")[0]
    broker_replicas = patch["spec"]["replicas"]
    check(broker_replicas >= 3, f"k8s-cluster: {broker_replicas} brokers")
    check(spread_over_nodes(patch["spec"]["template"]["spec"],
                            broker_base["spec"]["template"]["metadata"]["labels"]),
          "k8s-cluster brokers: their pods may share a node (no required anti-affinity)")
    env = env_of(patch["spec"]["template"]["spec"]["containers"][0])
    check(env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
          == "metadata.name", "k8s-cluster brokers: POD_NAME is not the pod's name")
    values = {k: e.get("value", "") for k, e in env.items() if k.startswith("OMNIBROKER_")}
    check(values.get("OMNIBROKER_CLUSTER__SERVERS")
          == ",".join(f"nats://{n}:4222" for n in names),
          "k8s-cluster brokers: cluster servers are not every NATS server")
    broker_yaml_text = base["ConfigMap"]["omnibroker-config"]["data"]["omnibroker.yaml"]
    ingest_port = yaml.safe_load(broker_yaml_text)["ingest_listen"].rsplit(":", 1)[1]
    check(values.get("OMNIBROKER_CLUSTER__INGEST_ADDRESS")
          == f"tcp://$(POD_NAME).{service_name}:{ingest_port}",
          "k8s-cluster brokers: ingest_address is not the pod's name in the headless Service")
    check(str(values.get("OMNIBROKER_CLUSTER__GRPC_ADDRESS", "")).startswith(
        f"$(POD_NAME).{service_name}:"),
          "k8s-cluster brokers: grpc_address is not the pod's name in the headless Service")
    check_config(binary, broker_yaml_text, "k8s-cluster omnibroker.yaml",
                 {k: v.replace("$(POD_NAME)", "omnibroker-0") for k, v in values.items()})
    gateway = load_all(overlay / "gateway-patch.yaml")[0]
    gateway_env = env_of(gateway["spec"]["template"]["spec"]["containers"][0])
    want = ",".join(f"tcp://omnibroker-{i}.{service_name}:{ingest_port}"
                    for i in range(broker_replicas))
    got = gateway_env.get("OMNI_GATEWAY_BROKER", {}).get("value")
    check(got == want, f"k8s-cluster gateway: brokers {got}, not every broker {want}")


def main():
    deploy, binary = pathlib.Path(sys.argv[1]), sys.argv[2]
    uid, gid = image_user(deploy)
    check_k8s(deploy, binary, uid, gid)
    check_compose(deploy, binary)
    check_compose_cluster(deploy, binary)
    check_k8s_cluster(deploy, binary, uid, gid)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print("OK: compose.yaml, compose-cluster.yaml, k8s/ and k8s-cluster/ hang together")
    return 0


if __name__ == "__main__":
    sys.exit(main())
