"""A plotly chart that is updated in place when its figure changes, instead of rebuilt.

`st.plotly_chart` gives a chart a new element id whenever its figure spec changes (even with a `key`), so the
browser tears the chart down and plotly.js builds it again from scratch: a few hundred ms of main-thread time
per changed chart on this 2-core machine (benchmarks/app_speed.py --profile). This component keeps one element
per `key` (Streamlit's `st.components.v2` keeps a keyed component's identity when its data changes) and its
JavaScript calls `Plotly.react(div, data, layout)` with each new spec: plotly.js diffs the new figure against
the drawn one and redraws only what changed; traces whose JSON did not change are passed as the same objects,
so plotly.js skips them.

plotly.js is the copy shipped with the `plotly` Python package (plotly/package_data/plotly.min.js, offline),
served by Streamlit from that directory (`/_stcore/bidi-components/<name>/plotly.min.js`): nothing copied, and
the browser loads it once per page (the next components reuse it). The chart takes the page's theme (font,
colours, background) from the CSS variables Streamlit gives a component, as `st.plotly_chart`'s theme does.

Fallbacks: if the component API or the asset registration is not available (another Streamlit version), or the
browser could not load or run plotly.js (the component reports it back), the chart is drawn with
`st.plotly_chart`, for the rest of the session in the latter case.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

LOG = logging.getLogger(__name__)

PROJECT, NAME = "semcom", "plotly_react"
COMPONENT = f"{PROJECT}.{NAME}"  # Streamlit's name for a component with an asset directory: <project>.<component>
PLOTLY_ROOT = Path(plotly.__file__).resolve().parent
ASSET_DIR = "package_data"  # under PLOTLY_ROOT: plotly.min.js (the package's offline copy of plotly.js)
PLOTLY_JS = PLOTLY_ROOT / ASSET_DIR / "plotly.min.js"
FAILED = "_plotly_react_failed"  # session_state: the browser could not use the component (st.plotly_chart then)
DEFAULT_CONFIG = {"displaylogo": False}

# One ES module; Streamlit calls its default export on mount and again, on the same parentElement, each time
# the data changes (the element keeps its identity). `data` is the UTF-8 JSON {"data", "layout", "config",
# "src"} (bytes, so Streamlit neither re-encodes nor escapes it).
JS = r"""
const LIB = "__semcomPlotly";  // the loaded plotly.js (a promise), shared by every chart on the page

function loadPlotly(src) {
  if (!window[LIB]) {
    window[LIB] = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js defined no Plotly")));
      s.onerror = () => { window[LIB] = null; reject(new Error("could not load " + src)); };
      // a script that neither loads nor fails (a stalled connection) must not leave blank charts forever
      setTimeout(() => { if (!window.Plotly) reject(new Error("plotly.js did not load within 20 s: " + src)); }, 20000);
      document.head.appendChild(s);
    });
  }
  return window[LIB];
}

function cssVar(el, name, fallback) {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v && v !== "unset" ? v : fallback;
}

// what st.plotly_chart's "streamlit" theme sets, from the theme's CSS variables on the component
function themeLayout(el) {
  const text = cssVar(el, "--st-text-color", "#31333f");
  const bg = cssVar(el, "--st-background-color", "#ffffff");
  const grid = cssVar(el, "--st-border-color-light", "#e6eaf1");
  const border = cssVar(el, "--st-border-color", "#d5dae5");
  const font = cssVar(el, "--st-font", "\"Source Sans\", sans-serif");
  const colors = cssVar(el, "--st-chart-categorical-colors", "").split(/,(?![^(]*\))/).map((c) => c.trim()).filter(Boolean);
  const axis = {gridcolor: grid, zerolinecolor: grid, tickcolor: grid, linecolor: grid, automargin: true,
                tickfont: {color: text, size: 12}, title: {font: {color: text, size: 14}}};
  const layout = {
    font: {color: text, family: font, size: 12}, paper_bgcolor: bg, plot_bgcolor: bg,
    title: {font: {family: font, size: 16, color: text}, x: 0, xanchor: "left"},
    legend: {font: {size: 12, color: text}, title: {font: {size: 12, color: text}}, bordercolor: "rgba(0,0,0,0)"},
    xaxis: {...axis, showgrid: false, zeroline: false}, yaxis: {...axis},
    margin: {pad: 8, r: 0, l: 0},
    hoverlabel: {bgcolor: bg, bordercolor: border, font: {color: text, family: font, size: 12}},
  };
  if (colors.length) layout.colorway = colors;
  return {layout};
}

function draw(gd, fig, report) {
  const Plotly = gd.__plotly;
  const old = gd.__traceJson || [];
  const oldTraces = gd.__traces || [];
  const json = fig.data.map((t) => JSON.stringify(t));
  // unchanged traces keep their objects (and so their arrays): plotly.js skips them
  const traces = fig.data.map((t, i) => (json[i] === old[i] ? oldTraces[i] : t));
  const tpl = themeLayout(gd);
  const tplJson = JSON.stringify(tpl);
  if (tplJson !== gd.__tplJson) { gd.__tpl = tpl; gd.__tplJson = tplJson; }
  // one uirevision for every update: what the user changed (legend entries hidden, zoom) is kept for all traces
  // alike, rather than only for the traces passed back as the same objects
  const layout = {uirevision: "semcom", ...fig.layout, template: gd.__tpl};
  if (layout.height) gd.style.minHeight = layout.height + "px";
  const config = {...fig.config, responsive: false};
  return Plotly.react(gd, traces, layout, config).then(() => {
    gd.__traces = traces;
    gd.__traceJson = json;
  }).catch(report);
}

export default function (component) {
  const {data, parentElement, setTriggerValue} = component;
  const report = (e) => {
    console.error("plotly_react:", e);
    // once per page: every chart on it would fail alike, and each report costs a rerun
    if (!window.__semcomPlotlyReported) { window.__semcomPlotlyReported = true; setTriggerValue("failed", String(e)); }
  };
  let gd = parentElement.__gd;
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "semcom-plotly";
    gd.style.width = "100%";
    parentElement.appendChild(gd);
    parentElement.__gd = gd;
  }
  let fig;
  try {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    fig = JSON.parse(text);
  } catch (e) { report(e); return; }
  gd.__latest = fig;
  if (fig.layout && fig.layout.height && !gd.__traces) gd.style.minHeight = fig.layout.height + "px";
  if (!gd.__chain) {
    gd.__chain = loadPlotly(fig.src).then((Plotly) => {
      gd.__plotly = Plotly;
      let width = 0;
      gd.__resize = new ResizeObserver((entries) => {
        const w = Math.round(entries[0].contentRect.width);
        if (width && Math.abs(w - width) > 1 && gd.__traces) {
          requestAnimationFrame(() => Plotly.Plots.resize(gd));
        }
        width = w;
      });
      gd.__resize.observe(gd);
    });
  }
  // one drawing at a time, always of the newest figure (rapid changes coalesce)
  if (!gd.__queued) {
    gd.__queued = true;
    gd.__chain = gd.__chain.then(() => { gd.__queued = false; return draw(gd, gd.__latest, report); }).catch(report);
  }
  return () => {  // Streamlit calls this on unmount; plotly's listeners go with the element
    setTimeout(() => {
      if (!gd.isConnected && gd.__plotly) { gd.__resize && gd.__resize.disconnect(); gd.__plotly.purge(gd); }
    }, 0);
  };
}
"""

_MOUNT = None
_LOCK = threading.Lock()


def _asset_url() -> str:
    from streamlit import config
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return ("/" + base if base else "") + f"/_stcore/bidi-components/{COMPONENT}/plotly.min.js"


def _mount_fn():
    """The component's mount function, its asset directory registered on the running server (once per runtime:
    AppTest makes one per test). Raises if this Streamlit cannot do either."""
    global _MOUNT
    from streamlit.components.v2.manifest_scanner import (
        ComponentConfig,
        ComponentManifest,
    )
    from streamlit.runtime import Runtime

    if not PLOTLY_JS.is_file():
        raise FileNotFoundError(PLOTLY_JS)
    manager = Runtime.instance().bidi_component_registry
    with _LOCK:
        if manager.get_component_path(COMPONENT) is None:
            manager.register_from_manifest(
                ComponentManifest(name=PROJECT, version="1", components=[ComponentConfig(NAME, ASSET_DIR)]),
                PLOTLY_ROOT)
        if _MOUNT is None:
            _MOUNT = st.components.v2.component(COMPONENT, js=JS, isolate_styles=False)
    return _MOUNT


def figure_spec(fig: go.Figure, config: dict | None = None) -> dict:
    """What the browser gets for `fig`: its plotly JSON (data and layout, without the template: the chart
    takes the page's theme in the browser), the plotly.js config and where plotly.js is served."""
    d = fig.to_dict()
    d.get("layout", {}).pop("template", None)
    return {"data": d.get("data", []), "layout": d.get("layout", {}), "config": {**DEFAULT_CONFIG, **(config or {})},
            "src": _asset_url()}


_SPECS: dict[int, tuple[go.Figure, str, bytes]] = {}  # id(fig) -> (fig, config json, payload): cached figures


def payload(fig: go.Figure, config: dict | None = None) -> bytes:
    """figure_spec as UTF-8 JSON; kept per figure object (the page's figures are cached and shared, so a
    setting seen before costs no serialization)."""
    cfg = json.dumps(config, sort_keys=True)
    hit = _SPECS.get(id(fig))
    if hit is not None and hit[0] is fig and hit[1] == cfg:
        return hit[2]
    out = pio.to_json(figure_spec(fig, config), validate=False).encode()  # plotly's encoder: numpy arrays too
    if len(_SPECS) >= 256:
        _SPECS.clear()
    _SPECS[id(fig)] = (fig, cfg, out)
    return out


def _failed() -> None:
    st.session_state[FAILED] = True


def plotly_chart(fig: go.Figure, *, key: str, config: dict | None = None) -> None:
    """Draw `fig` full width, updated in place on the next runs with the same `key`; st.plotly_chart when the
    component cannot be used (see the module's docstring)."""
    if not st.session_state.get(FAILED):
        try:
            mount = _mount_fn()
        except Exception as e:  # noqa: BLE001 (another Streamlit, or no plotly.min.js: the built-in chart)
            LOG.warning("plotly_react unavailable (%s: %s); using st.plotly_chart", type(e).__name__, e)
        else:
            mount(key=key, data=payload(fig, config), width="stretch", height="content", on_failed_change=_failed)
            return
    st.plotly_chart(fig, width="stretch", key=key, config=config)
