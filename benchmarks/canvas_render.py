"""Canvas render time in JupyterLab + headless Chromium, against dagre on the same graphs.

Measures, for ResNet50 (177 blocks: the Keras model itself, previews on, and its imported
graph) and a synthetic 800-block graph:
- total: from executing the cell ``pnb.Canvas(...)`` until every block is in the DOM
  (kernel work, widget sync, layout and drawing), median over several runs. The canvas draws
  first (from the model's own shapes, or without shapes for a big graph) and streams the
  previews in after, so this is the time to first paint;
- browser: layout + draw inside the front end (the canvas' own ``data-render-ms``);
- baseline: ``dagre.layout`` alone on the same nodes and edges in the same browser.

Targets (DESIGN.md, issue 9): ResNet50 <= 1 s, 800 blocks <= 1.5 s. Run: ``make bench``.
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from e2e import lab  # noqa: E402
from e2e.server import launch_browser, start_lab_server  # noqa: E402

RUNS = 5
DAGRE = REPO / "js" / "node_modules" / "@dagrejs" / "dagre" / "dist" / "dagre.min.js"

SETUP = """
import json, keras
import perceptinb as pnb
from perceptinb.graph import Edge, Graph, Node

resnet_model = keras.applications.ResNet50(weights=None)
resnet = pnb.Graph.from_keras(resnet_model)

def synthetic(n_blocks):
    # Residual stacks: Dense -> Dense -> Add(skip), the shape of real deep models.
    nodes = [Node("input", "InputLayer", {"batch_shape": [None, 16], "dtype": "float32",
                                          "name": "input"})]
    edges, last = [], "input"
    while len(nodes) < n_blocks:
        i = len(nodes)
        a, b, add = f"dense_{i}", f"dense_{i + 1}", f"add_{i + 2}"
        nodes += [Node(a, "Dense", {"units": 16, "name": a}),
                  Node(b, "Dense", {"units": 16, "name": b}), Node(add, "Add", {"name": add})]
        edges += [Edge(last, a), Edge(a, b), Edge(b, add, 0, 0), Edge(last, add, 0, 1)]
        last = add
    return Graph(nodes[:n_blocks], [e for e in edges if int(e.dst.rsplit("_", 1)[1]) < n_blocks])

big = synthetic(800)
graphs = {"resnet50_model": resnet_model, "resnet50": resnet, "synthetic800": big}
as_graph = {"resnet50_model": resnet, "resnet50": resnet, "synthetic800": big}
print(json.dumps({k: [len(g.nodes), len(g.edges)] for k, g in as_graph.items()}))
"""

_TIME_CELL_JS = """
async ([expected]) => {
  document.querySelectorAll('.pnb-canvas').forEach(el => el.dataset.stale = '1');
  const app = window.jupyterapp;
  const t0 = performance.now();
  app.commands.execute('notebook:run-cell');
  return await new Promise((resolve, reject) => {
    const deadline = t0 + 60000;
    const poll = () => {
      const el = [...document.querySelectorAll('.pnb-canvas')].find(c => !c.dataset.stale);
      if (el && el.querySelectorAll('.pnb-block').length >= expected) {
        resolve({total: performance.now() - t0, browser: Number(el.dataset.renderMs || NaN)});
      } else if (performance.now() > deadline) {
        reject(new Error('canvas not drawn within 60 s'));
      } else {
        requestAnimationFrame(poll);
      }
    };
    poll();
  });
}
"""

_DAGRE_JS = """
([nodes, edges, runs]) => {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const g = new dagre.graphlib.Graph();
    g.setGraph({rankdir: 'TB', nodesep: 24, ranksep: 40});
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n, {width: 176, height: 64});
    for (const [s, d] of edges) g.setEdge(s, d);
    const t0 = performance.now();
    dagre.layout(g);
    times.push(performance.now() - t0);
  }
  return times;
}
"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = start_lab_server(pathlib.Path(tmp))
        try:
            with sync_playwright() as pw:
                browser = launch_browser(pw)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                lab.write_notebook(server.root_dir, "bench.ipynb", [SETUP])
                lab.open_notebook(page, server, "bench.ipynb")
                sizes = json.loads(lab.run_cell(page, SETUP).strip().splitlines()[-1])
                results = {}
                for name, (n_nodes, _n_edges) in sizes.items():
                    lab.run_cell(page, "1")  # an empty-ish cell to host the measured code
                    totals, browsers = [], []
                    for _ in range(RUNS):
                        _set_last_cell(page, f"pnb.Canvas(graphs[{name!r}], height=600)")
                        timing = page.evaluate(_TIME_CELL_JS, [n_nodes])
                        totals.append(timing["total"] / 1000)
                        browsers.append(timing["browser"] / 1000)
                        lab.wait_kernel_idle(page)
                    graph_json = lab.run_cell(
                        page,
                        f"g = as_graph[{name!r}]; print(json.dumps([list(g.nodes), "
                        "[[e.src, e.dst] for e in g.edges]]))",
                    )
                    nodes, edges = json.loads(graph_json.strip().splitlines()[-1])
                    dagre = _dagre_seconds(page, nodes, edges)
                    results[name] = (n_nodes, statistics.median(totals),
                                     statistics.median(browsers), dagre)
                browser.close()
        finally:
            server.stop()
    targets = {"resnet50_model": 1.0, "resnet50": 1.0, "synthetic800": 1.5}
    print(f"{'graph':<16}{'blocks':>7}{'total s':>9}{'browser s':>11}{'dagre s':>9}"
          f"{'ours/dagre':>12}{'target':>8}")
    for name, (n, total, browser_s, dagre) in results.items():
        ratio = browser_s / dagre if dagre else float("nan")
        verdict = "ok" if total <= targets[name] else "MISS"
        print(f"{name:<16}{n:>7}{total:>9.3f}{browser_s:>11.3f}{dagre:>9.3f}{ratio:>12.3f}"
              f"{targets[name]:>6.1f}s {verdict}")


def _set_last_cell(page, code: str) -> None:
    """Put `code` into the last cell and make it the active one, without running it."""
    page.evaluate(
        """(code) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          nb.activeCellIndex = nb.widgets.length - 1;
          nb.activeCell.model.sharedModel.setSource(code);
        }""",
        code,
    )


def _dagre_seconds(page, nodes: list[str], edges: list[list[str]]) -> float:
    if not DAGRE.exists():
        print(f"(dagre baseline skipped: {DAGRE} missing; run `make js`)")
        return float("nan")
    page.add_script_tag(path=str(DAGRE))
    times = page.evaluate(_DAGRE_JS, [nodes, edges, 3])
    return statistics.median(times) / 1000


if __name__ == "__main__":
    main()
