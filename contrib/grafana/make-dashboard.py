#!/usr/bin/env python3
"""make-dashboard.py: writes dptune-dashboard.json, the Grafana dashboard over `dptune
export` (metric names: docs/metrics.md). The JSON is what operators import; this script is
how it is kept: edit the panels here, run it, commit both. tests/integration/73-promql.t
runs every `expr` of the JSON through a real Prometheus.

Run: python3 contrib/grafana/make-dashboard.py > contrib/grafana/dptune-dashboard.json
"""
import json

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
SEL = 'instance=~"$instance"'
SELNS = 'instance=~"$instance", netns=~"$netns"'
RI = "$__rate_interval"

panels = []
_y = [0]
_id = [0]


def nid():
    _id[0] += 1
    return _id[0]


def row(title):
    panels.append({"type": "row", "title": title, "id": nid(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": _y[0]}, "panels": []})
    _y[0] += 1


def target(expr, legend, ref="A", instant=False, fmt="time_series"):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref,
         "range": not instant, "instant": instant, "format": fmt}
    return t


def panel(kind, title, targets, w=12, h=8, x=0, unit="pps", desc="", extra=None):
    p = {"type": kind, "title": title, "id": nid(), "datasource": DS,
         "description": desc, "targets": targets,
         "gridPos": {"h": h, "w": w, "x": x, "y": _y[0]},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
         "options": {}}
    if kind == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "line", "lineWidth": 1,
                                                  "fillOpacity": 10, "stacking": {"mode": "none"}}
        p["options"] = {"legend": {"displayMode": "table", "placement": "right",
                                   "calcs": ["max", "lastNotNull"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "heatmap":
        # One row per series (CPU), colour = value: the picture operators draw from
        # mpstat -P ALL / /proc/softirqs by hand.
        p["options"] = {"calculate": False, "cellGap": 1,
                        "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                        "yAxis": {"axisPlacement": "left"},
                        "rowsFrame": {"layout": "auto"},
                        "tooltip": {"show": True, "yHistogram": False},
                        "legend": {"show": True}}
        for t in targets:
            t["format"] = "time_series"
    if extra:
        p.update(extra)
    panels.append(p)
    return p


def advance(h=8):
    _y[0] += h


# --- Overview -----------------------------------------------------------------------
row("Where packets die")
panel("timeseries", "Drops per layer (counters)",
      [target(f'sum by (layer) (instance_layer:dptune_drops:rate5m{{{SEL}}})', "{{layer}}")],
      desc="Drop and error counters of each layer, summed over the selected hosts "
           "(recording rule instance_layer:dptune_drops:rate5m; layers in datapath order: "
           "nic, backlog, qdisc, vdev, netfilter, ip, udp, socket).",
      extra={"fieldConfig": {"defaults": {"unit": "pps", "custom": {
          "drawStyle": "line", "fillOpacity": 30, "stacking": {"mode": "normal"}}},
          "overrides": []}})
panel("timeseries", "Drops per layer (kernel drop reasons)",
      [target(f'sum by (layer) (rate(dptune_drop_reason_total{{{SELNS}}}[{RI}]))', "{{layer}}")],
      x=12, desc="Every packet the kernel freed as dropped (skb:kfree_skb, BPF), by the "
                 "layer of its reason; empty where the tracer does not load.")
advance()
panel("timeseries", "Top drop reasons",
      [target(f'topk(10, sum by (netns, device, reason) (rate(dptune_drop_reason_total{{{SELNS}}}[{RI}])))',
              "{{reason}} {{netns}}/{{device}}")],
      desc="The ten busiest (reason, namespace, device) triples.")
panel("timeseries", "Hosts: drops per second",
      [target(f'sort_desc(instance:dptune_drops:rate5m{{{SEL}}})', "{{instance}}")],
      x=12, desc="Every layer's drop counters summed per host (recording rule "
                 "instance:dptune_drops:rate5m): which host of the fleet drops.")
advance()

# --- CPU: softirq, softnet, IRQ --------------------------------------------------------
row("CPU: IRQ, NET_RX softirq, softnet backlog")
panel("heatmap", "NET_RX softirqs per CPU",
      [target(f'sum by (cpu) (rate(dptune_softirq_total{{{SEL}, type="NET_RX"}}[{RI}]))', "{{cpu}}")],
      unit="short", desc="NET_RX softirq runs per second on each CPU (/proc/softirqs): "
                         "where receive processing actually runs.")
panel("heatmap", "si % per CPU",
      [target(f'100 * sum by (cpu) (rate(dptune_cpu_seconds_total{{{SEL}, mode="softirq"}}[{RI}]))',
              "{{cpu}}")],
      x=12, unit="percent", desc="Share of each CPU's time in softirq (/proc/stat si: softirq seconds per second). "
                                 "A receive CPU near 100 % is the bottleneck.")
advance()
panel("timeseries", "softnet drops and squeezes per CPU",
      [target(f'sum by (cpu) (rate(dptune_softnet_dropped_total{{{SEL}}}[{RI}]))', "dropped cpu{{cpu}}", "A"),
       target(f'sum by (cpu) (rate(dptune_softnet_times_squeezed_total{{{SEL}}}[{RI}]))', "squeeze cpu{{cpu}}", "B")],
      unit="short", desc="Backlog overflows (netdev_max_backlog) and NET_RX budget "
                         "exhaustion (netdev_budget) per CPU. A squeeze matters only "
                         "when drops rise with it.")
panel("timeseries", "IRQs per queue per CPU",
      [target(f'sum by (device, queue, cpu) (rate(dptune_irq_interrupts_total{{{SEL}}}[{RI}]))',
              "{{device}} q{{queue}} cpu{{cpu}}")],
      x=12, unit="short", desc="Hard interrupts of each NIC queue on each CPU "
                               "(/proc/interrupts): is RSS spreading, is one CPU taking all?")
advance()

# --- Namespaces: netfilter, UDP, sockets ---------------------------------------------
row("Namespaces: conntrack, UDP, sockets")
panel("timeseries", "conntrack use per namespace",
      [target(f'max by (netns) (dptune_conntrack_entries{{{SELNS}}}'
              f' / dptune_conntrack_entries_limit{{{SELNS}}})', "{{netns}}")],
      unit="percentunit", desc="nf_conntrack_count / nf_conntrack_max of each namespace "
                               "(qrouter-*, containers). At 100 % new flows are dropped.")
panel("timeseries", "conntrack drops and insert failures per namespace",
      [target(f'sum by (netns) (rate(dptune_conntrack_insert_failed_total{{{SELNS}}}[{RI}]))', "insert_failed {{netns}}", "A"),
       target(f'sum by (netns) (rate(dptune_conntrack_drop_total{{{SELNS}}}[{RI}]))', "drop {{netns}}", "B"),
       target(f'sum by (netns) (rate(dptune_conntrack_early_drop_total{{{SELNS}}}[{RI}]))', "early_drop {{netns}}", "C")],
      x=12, desc="Full-table drops and insert races (the parallel-UDP clash).")
advance()
panel("timeseries", "UDP receive buffer errors per namespace",
      [target(f'sum by (netns) (rate(dptune_udp_rcvbuf_errors_total{{{SELNS}}}[{RI}]))', "{{netns}}", "A"),
       target(f'sum by (netns) (rate(dptune_udp6_rcvbuf_errors_total{{{SELNS}}}[{RI}]))', "{{netns}} (v6)", "B")],
      desc="Udp RcvbufErrors (+ Udp6) of each namespace: a socket's queue was full.")
panel("table", "Top dropping sockets",
      [target(f'topk(20, sum by (instance, netns, proto, address, process) '
              f'(rate(dptune_socket_drops_total{{{SELNS}}}[5m])))', "", instant=True, fmt="table")],
      x=12, unit="pps", desc="Sockets whose receive queue overflowed in the last 5 minutes, "
                             "with their process (exported only for sockets that dropped).",
      extra={"transformations": [{"id": "organize", "options": {
          "excludeByName": {"Time": True}, "renameByName": {"Value": "drops/s"}}}]})
advance()

# --- Devices ---------------------------------------------------------------------------
row("Devices: NIC, tap, veth, OVS")
panel("timeseries", "NIC missed / RX ring overflow",
      [target(f'sum by (netns, device) (rate(dptune_link_receive_missed_errors_total{{{SELNS}}}[{RI}]))', "missed {{netns}}/{{device}}", "A"),
       target(f'sum by (netns, device) (rate(dptune_link_receive_fifo_total{{{SELNS}}}[{RI}]))', "fifo {{netns}}/{{device}}", "B"),
       target(f'sum by (netns, device) (rate(dptune_link_receive_over_errors_total{{{SELNS}}}[{RI}]))', "over {{netns}}/{{device}}", "C"),
       target(f'sum by (netns, device, queue) (rate(dptune_ethtool_queue_total{{{SELNS}, stat=~"rx_queue_drops|rx_drops"}}[{RI}]))',
              "queue {{netns}}/{{device}} q{{queue}}", "D")],
      desc="rx_missed_errors, rx_fifo_errors, rx_over_errors: the NIC found no free descriptor.")
panel("timeseries", "Top tap / veth / bridge drops",
      [target(f'topk(10, sum by (netns, device, kind) (rate(dptune_link_transmit_drop_total{{{SELNS}, kind!~"nic|"}}[{RI}])))',
              "tx {{netns}}/{{device}} ({{kind}})", "A"),
       target(f'topk(10, sum by (netns, device, kind) (rate(dptune_link_receive_drop_total{{{SELNS}, kind!~"nic|"}}[{RI}])))',
              "rx {{netns}}/{{device}} ({{kind}})", "B")],
      x=12, desc="tx_dropped on a tap: the guest behind it does not drain its vNIC.")
advance()
panel("timeseries", "OVS datapath lost upcalls",
      [target(f'sum by (netns, datapath) (rate(dptune_ovs_datapath_lookups_total{{{SELNS}, result="lost"}}[{RI}]))',
              "{{netns}}/{{datapath}}")],
      desc="Packets of new flows dropped because the upcall queue to ovs-vswitchd was full.")
panel("timeseries", "qdisc drops",
      [target(f'sum by (netns, device) (rate(dptune_qdisc_drops_total{{{SELNS}}}[{RI}]))',
              "{{netns}}/{{device}}")],
      x=12, desc="Egress queue overflow (txqueuelen) or shaping.")
advance()

# --- The exporter itself ---------------------------------------------------------------
row("dptune export")
panel("timeseries", "Scrape duration",
      [target(f'dptune_scrape_duration_seconds{{{SEL}}}', "{{instance}}", "A"),
       target(f'dptune_collector_duration_seconds{{{SEL}}}', "{{instance}} {{collector}}", "B")],
      unit="s", desc="Time one scrape took to collect every layer of every namespace.")
panel("timeseries", "Series per host",
      [target(f'dptune_scrape_series{{{SEL}}}', "{{instance}}", "A"),
       target(f'dptune_series_limit{{{SEL}}}', "{{instance}} limit", "B")],
      x=12, unit="short", desc="Series served; flat at --max-series means the limit was hit.")
advance()

dashboard = {
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource",
                  "pluginId": "prometheus", "pluginName": "Prometheus"}],
    "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
                   {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
                   {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
                   {"type": "panel", "id": "heatmap", "name": "Heatmap", "version": ""},
                   {"type": "panel", "id": "table", "name": "Table", "version": ""}],
    "title": "dptune: where packets die",
    "uid": "dptune-datapath",
    "description": "Every layer of the Linux datapath, every network namespace, every host "
                   "(dptune export). docs/fleet.md says how to run it.",
    "tags": ["dptune", "network", "datapath"],
    "schemaVersion": 39,
    "version": 1,
    "editable": True,
    "graphTooltip": 1,
    "time": {"from": "now-1h", "to": "now"},
    "refresh": "30s",
    "timezone": "",
    "links": [],
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                              "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                              "name": "Annotations & Alerts", "type": "dashboard"}]},
    "templating": {"list": [
        {"name": "DS_PROMETHEUS", "label": "Data source", "type": "datasource",
         "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "regex": ""},
        {"name": "job", "label": "Job", "type": "query", "datasource": DS,
         "query": {"query": "label_values(dptune_scrape_duration_seconds, job)", "refId": "job"},
         "definition": "label_values(dptune_scrape_duration_seconds, job)",
         "refresh": 1, "includeAll": False, "multi": False, "current": {}, "sort": 1},
        {"name": "instance", "label": "Host", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(dptune_scrape_duration_seconds{job=~"$job"}, instance)',
                   "refId": "instance"},
         "definition": 'label_values(dptune_scrape_duration_seconds{job=~"$job"}, instance)',
         "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "sort": 1},
        {"name": "netns", "label": "Namespace", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(dptune_udp_sockets{instance=~"$instance"}, netns)',
                   "refId": "netns"},
         "definition": 'label_values(dptune_udp_sockets{instance=~"$instance"}, netns)',
         "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*", "current": {}, "sort": 1},
    ]},
    "panels": panels,
}
print(json.dumps(dashboard, indent=2))
