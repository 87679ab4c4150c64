#!/usr/bin/python3
"""Generate a large, valid TOSCA 1.3 blueprint for benchmarking.

Usage: gen_blueprint.py N OUT.yaml [--seed S]

The blueprint has N node templates and is of the same kind as an ordinary
SODALITE blueprint: a handful of node, data, capability and relationship
types derived from the normative types at the top, topology inputs, and then
N node templates -- Compute hosts with host/os capability properties,
software components hosted on them (`requirements: - host: NAME`), databases
they connect to through relationship templates, dependencies between
templates, Standard interface operations whose inputs use get_property,
get_attribute, get_input and concat -- and outputs.

The output is deterministic for a given N and seed (standard library only,
no PyYAML needed).  N = 10 000 gives about 3.9 MB of YAML, the size of the
reference blueprint quoted in the speed issue.
"""

import argparse
import random
import sys

HEADER = """\
tosca_definitions_version: tosca_simple_yaml_1_3

description: >
  Generated benchmark blueprint: {n} node templates ({hosts} Compute hosts,
  {dbs} databases, {apps} software components), seed {seed}.

metadata:
  template_name: modak-bench
  template_author: bench/gen_blueprint.py
  template_version: 1.0.0

data_types:

  bench.datatypes.Endpoint:
    derived_from: tosca.datatypes.Root
    properties:
      protocol:
        type: string
        default: tcp
        constraints:
          - valid_values: [ tcp, udp, http, https ]
      port:
        type: integer
        constraints:
          - in_range: [ 1, 65535 ]
      path:
        type: string
        required: false

  bench.datatypes.Settings:
    derived_from: tosca.datatypes.Root
    properties:
      log_level:
        type: string
        default: info
        constraints:
          - valid_values: [ debug, info, warning, error ]
      retries:
        type: integer
        default: 3
        constraints:
          - greater_or_equal: 0
          - less_or_equal: 10
      timeout:
        type: scalar-unit.time
        default: 30 s
      buffer:
        type: scalar-unit.size
        required: false
        constraints:
          - greater_than: 1 KB
      labels:
        type: map
        required: false
        entry_schema:
          type: string
      endpoints:
        type: list
        required: false
        entry_schema:
          type: bench.datatypes.Endpoint

capability_types:

  bench.capabilities.Metrics:
    derived_from: tosca.capabilities.Endpoint
    properties:
      scrape_interval:
        type: scalar-unit.time
        default: 15 s
        constraints:
          - greater_or_equal: 1 s

relationship_types:

  bench.relationships.UsesDatabase:
    derived_from: tosca.relationships.ConnectsTo
    valid_target_types: [ tosca.capabilities.Endpoint.Database ]
    properties:
      pool_size:
        type: integer
        default: 4
        constraints:
          - in_range: [ 1, 64 ]

node_types:

  bench.nodes.Host:
    derived_from: tosca.nodes.Compute
    description: A virtual machine of the benchmark cluster.
    properties:
      flavor:
        type: string
        constraints:
          - valid_values: [ small, medium, large, xlarge ]
      image:
        type: string
        default: ubuntu-22.04
      zone:
        type: string
        required: false
        constraints:
          - min_length: 1
          - max_length: 32
      swap:
        type: scalar-unit.size
        default: 1 GB
        constraints:
          - in_range: [ 0 MB, 64 GB ]
    attributes:
      boot_count:
        type: integer
        default: 0

  bench.nodes.Database:
    derived_from: tosca.nodes.SoftwareComponent
    description: A database server on a host.
    properties:
      db_name:
        type: string
      port:
        type: integer
        default: 5432
        constraints:
          - in_range: [ 1024, 65535 ]
      max_connections:
        type: integer
        default: 100
        constraints:
          - greater_or_equal: 1
      storage:
        type: scalar-unit.size
        default: 10 GB
        constraints:
          - greater_or_equal: 1 GB
    capabilities:
      database_endpoint:
        type: tosca.capabilities.Endpoint.Database
    interfaces:
      Standard:
        type: tosca.interfaces.node.lifecycle.Standard
        operations:
          create:
            inputs:
              address:
                type: string
                required: false

  bench.nodes.App:
    derived_from: tosca.nodes.SoftwareComponent
    description: An application service that runs on a host.
    properties:
      port:
        type: integer
        constraints:
          - in_range: [ 1024, 65535 ]
      replicas:
        type: integer
        default: 1
        constraints:
          - greater_or_equal: 1
      heap_size:
        type: scalar-unit.size
        default: 512 MB
      tags:
        type: list
        required: false
        entry_schema:
          type: string
      env:
        type: map
        required: false
        entry_schema:
          type: string
      settings:
        type: bench.datatypes.Settings
        required: false
    attributes:
      url:
        type: string
    capabilities:
      metrics:
        type: bench.capabilities.Metrics
    requirements:
      - database:
          capability: tosca.capabilities.Endpoint.Database
          node: bench.nodes.Database
          relationship: bench.relationships.UsesDatabase
          occurrences: [ 0, 1 ]
    interfaces:
      Standard:
        type: tosca.interfaces.node.lifecycle.Standard
        operations:
          create:
            inputs:
              version:
                type: string
                default: {{ get_property: [ SELF, component_version ] }}
          configure:
            inputs:
              port:
                type: integer
                default: {{ get_property: [ SELF, port ] }}
              level:
                type: string
                default: info
          start:
            inputs:
              url:
                type: string
                required: false

topology_template:

  inputs:
    log_level:
      type: string
      default: info
      constraints:
        - valid_values: [ debug, info, warning, error ]
    app_version:
      type: version
      default: 2.4.1
    admin_user:
      type: string
      default: admin
    default_replicas:
      type: integer
      default: 2
      constraints:
        - greater_or_equal: 1
    region:
      type: string
      default: eu-west

  node_templates:
"""

FLAVORS = ["small", "medium", "large", "xlarge"]
DISTROS = ["ubuntu", "debian", "centos", "rhel"]
POOLS = ["db-pool-small", "db-pool-large"]
LEVELS = ["debug", "info", "warning", "error"]
PROTOCOLS = ["tcp", "http", "https"]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
         "theta", "iota", "kappa", "lambda", "omicron", "sigma", "omega"]


def host_template(out, rng, name, idx):
    cpus = rng.choice([1, 2, 4, 8, 16])
    mem = rng.choice(["2 GB", "4 GB", "8 GB", "16 GB", "32 GB"])
    parts = [f"""
    {name}:
      type: bench.nodes.Host
      properties:
        flavor: {rng.choice(FLAVORS)}
"""]
    if rng.random() < 0.5:
        parts.append(f"""\
        zone: zone-{idx % 7}
      attributes:
        public_address: 10.{idx // 65536 % 256}.{idx // 256 % 256}.{idx % 256}
""")
    parts.append(f"""\
      capabilities:
        host:
          properties:
            num_cpus: {cpus}
            mem_size: {mem}
""")
    if rng.random() < 0.3:
        parts.append(f"""\
            disk_size: {rng.choice(["20 GB", "40 GB", "80 GB", "160 GB"])}
            cpu_frequency: {rng.choice([2, 2.4, 3])} GHz
""")
    parts.append(f"""\
        os:
          properties: {{ type: linux, distribution: {rng.choice(DISTROS)} }}
""")
    out.append("".join(parts))


def db_template(out, rng, name, host):
    out.append(f"""
    {name}:
      type: bench.nodes.Database
      properties:
        db_name: {name.replace('-', '_')}
        port: {rng.randint(5000, 6000)}
        storage: {rng.choice([10, 20, 50, 100])} GB
        admin_credential:
          user: {{ get_input: admin_user }}
          token: secret-{rng.randint(1000, 9999)}
      requirements:
        - host: {host}
      interfaces:
        Standard:
          operations:
            create:
              inputs:
                address: {{ get_attribute: [ {host}, public_address ] }}
""")


def app_template(out, rng, name, host, db, dep):
    w1, w2 = rng.sample(WORDS, 2)
    port = rng.randint(1024, 65534)
    lines = [f"""
    {name}:
      type: bench.nodes.App
      properties:
        component_version: {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}
        port: {port}
"""]
    r = rng.random()
    if r < 0.4:
        lines.append(f"""\
        heap_size: {rng.choice([256, 512, 1024, 2048])} MB
        tags: [ {w1}, {w2} ]
""")
    elif r < 0.6:
        lines.append(f"""\
        replicas: {{ get_input: default_replicas }}
        env: {{ REGION: {{ get_input: region }}, MODE: {rng.choice(["batch", "online"])} }}
""")
    elif r < 0.72:
        lines.append(f"""\
        settings:
          log_level: {rng.choice(LEVELS)}
          retries: {rng.randint(0, 10)}
          timeout: {rng.randint(5, 120)} s
          labels: {{ team: {w1}, tier: {w2} }}
          endpoints:
            - {{ protocol: {rng.choice(PROTOCOLS)}, port: {port} }}
""")
    if rng.random() < 0.15:
        lines.append(f"""\
      capabilities:
        metrics:
          properties:
            port: {port + 1}
            scrape_interval: {rng.choice([10, 15, 30, 60])} s
""")
    lines.append(f"""\
      requirements:
        - host: {host}
""")
    if db is not None:
        lines.append(f"""\
        - database:
            node: {db}
            relationship: {rng.choice(POOLS)}
""")
    if dep is not None:
        lines.append(f"""\
        - dependency: {dep}
""")
    r = rng.random()
    if r < 0.25:
        lines.append("""\
      interfaces:
        Standard:
          operations:
            configure:
              inputs:
                level: { get_input: log_level }
""")
    elif r < 0.45:
        lines.append(f"""\
      interfaces:
        Standard:
          operations:
            start:
              inputs:
                url: {{ concat: [ "http://", {{ get_attribute: [ {host}, public_address ] }}, ":", {{ get_property: [ SELF, port ] }} ] }}
""")
    out.append("".join(lines))


def generate(n, seed):
    rng = random.Random(seed)
    # Plan the N templates: groups of one host, occasionally a database on
    # it, and several software components on it.
    kinds = []  # (kind, name, host, db, dep)
    host = db = None
    last_app = None
    counts = {"host": 0, "db": 0, "app": 0}
    i = 0
    remaining_on_host = 0
    while i < n:
        if host is None or remaining_on_host == 0:
            host = f"host-{i:05d}"
            kinds.append(("host", host, None, None, None))
            counts["host"] += 1
            remaining_on_host = rng.randint(2, 5)
            i += 1
            if i < n and rng.random() < 0.35:
                db = f"db-{i:05d}"
                kinds.append(("db", db, host, None, None))
                counts["db"] += 1
                i += 1
            continue
        name = f"app-{i:05d}"
        use_db = db if (db is not None and rng.random() < 0.6) else None
        dep = last_app if (last_app is not None and rng.random() < 0.4) else None
        kinds.append(("app", name, host, use_db, dep))
        counts["app"] += 1
        last_app = name
        remaining_on_host -= 1
        i += 1

    out = [HEADER.format(n=n, hosts=counts["host"], dbs=counts["db"],
                         apps=counts["app"], seed=seed)]
    host_no = 0
    for kind, name, h, d, dep in kinds:
        if kind == "host":
            host_template(out, rng, name, host_no)
            host_no += 1
        elif kind == "db":
            db_template(out, rng, name, h)
        else:
            app_template(out, rng, name, h, d, dep)

    out.append("""
  relationship_templates:

    db-pool-small:
      type: bench.relationships.UsesDatabase
      properties:
        pool_size: 2

    db-pool-large:
      type: bench.relationships.UsesDatabase
      properties:
        pool_size: 32
""")

    # Outputs: a bounded number so that they grow sublinearly and stay small.
    out.append("\n  outputs:\n")
    apps = [k for k in kinds if k[0] == "app"]
    hosts = [k for k in kinds if k[0] == "host"]
    step = max(1, len(apps) // 50)
    for kind, name, h, _, _ in apps[::step][:50]:
        out.append(f"""\
    {name}_url:
      description: Where {name} listens.
      value: {{ concat: [ "http://", {{ get_attribute: [ {h}, public_address ] }}, ":", {{ get_property: [ {name}, port ] }} ] }}
""")
    for kind, name, _, _, _ in hosts[:: max(1, len(hosts) // 20)][:20]:
        out.append(f"""\
    {name}_address:
      value: {{ get_attribute: [ {name}, public_address ] }}
""")
    if not apps and not hosts:
        out.append("""\
    none:
      value: nothing
""")
    return "".join(out)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of node templates (>= 1)")
    ap.add_argument("out", help="output YAML file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=20240601, help="random seed")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    text = generate(args.n, args.seed)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
