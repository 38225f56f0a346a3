import streamlit as st

from semcom_core.data.samples import load_samples, samples_dir
from semcom_core.toc.gallery import exit_confidences
from semcom_core.toc.tables import canonical_name, load_results, results_path, shipped_cards, shipped_dir, stale_rows
from semcom_core.zoo.store import load_shipped
from semcom_ui.layout import charts_side_by_side
from semcom_ui.nav import ensure_navigation
from semcom_ui.state import QueryState
from semcom_ui.views import toc as V

ensure_navigation()

st.title("Budgeted TOC")
st.caption("Paper 001: task-oriented communication under a transmitter compute budget B. Static TOC (one "
           "ResNet encoder each) against the dynamic multi-exit model, which sends easy images from early "
           "exits so that its mean cost per image meets B. CIFAR-10; AWGN or Rayleigh at a PSNR.")


@st.cache_data(show_spinner=False)
def costs():
    return V.exit_costs_table(10)


@st.cache_data(show_spinner=False)
def results(path: str, mtime: float | None):  # keyed by the file's time: a newly shipped table is read
    try:
        return load_results(V.DATASET, path), None
    except ValueError as e:
        return None, str(e)


@st.cache_data(show_spinner=False)
def shipped(stamp: tuple):  # keyed by the files' names and times: a newly shipped model is read
    return shipped_cards(V.DATASET)


def _stamp() -> tuple:
    d = shipped_dir()
    return tuple((f.name, f.stat().st_mtime) for f in sorted(d.glob("*.json"))) if d.is_dir() else ()


@st.cache_resource(show_spinner="running the dynamic model on the sample images")
def sample_exits(name: str, sha256: str, samples_stamp: float | None):  # keyed by the shipped files
    model, _ = load_shipped(name)
    samples, meta = load_samples(V.DATASET)
    if not samples:
        return None
    got = exit_confidences(model, [s.image for s in samples], V.DATASET, [s.label for s in samples])
    return got.confidences, [s.image for s in samples], got.labels, got.rx_pred, list(meta["classes"])


exit_costs, exit_params = costs()
path = results_path(V.DATASET)
table, table_error = results(str(path), path.stat().st_mtime if path.is_file() else None)
cards = shipped(_stamp())
stale = stale_rows(table, V.DATASET, cards) if table is not None else {}
grid = V.budget_grid(exit_costs)
lo, hi = V.budget_range(exit_costs)
default_b = float(exit_costs["static-resnet20"][0])  # the paper's comparison point: static ResNet-20's cost

q = QueryState(st.query_params)
side = st.sidebar
family = side.radio("Model family", V.FAMILIES, index=V.FAMILIES.index(q.get("family", "both", V.FAMILIES)),
                    format_func=V.FAMILY_LABELS.get, key="family",
                    help="Which models the headline and the accuracy chart show.")
channel = side.selectbox("Channel", V.CHANNELS, index=V.CHANNELS.index(q.get("ch", "awgn", V.CHANNELS)), key="ch",
                         help="awgn: real AWGN. rayleigh: per-symbol Rayleigh fading with MMSE equalization.")
snrs = V.snr_options(table)
snr = side.select_slider("PSNR (dB)", snrs, value=q.get("snr", 0.0, snrs, float), key="snr",
                         format_func=lambda s: f"{s:g}",
                         help="Signal power / noise power of the 16 transmitted numbers (paper 001's PSNR).")
b_url = q.get("B", default_b, cast=float, lo=V.BUDGET_LIMITS[0], hi=V.BUDGET_LIMITS[1])
on_grid = V.nearest(grid, b_url)
if "B" not in st.session_state:  # first run: the slider and the typed box start from the URL
    st.session_state["B"] = on_grid
    st.session_state["Bt"] = "" if abs(on_grid - b_url) <= 1e-9 * b_url else V.budget_text(b_url)


def _slider_moved():
    st.session_state["Bt"] = ""  # the slider takes over from a typed value


def _typed():
    b, _ = V.read_budget(st.session_state["Bt"])
    if b is not None:
        st.session_state["B"] = V.nearest(grid, b)  # the slider follows (to its nearest position)


side.select_slider("Budget B (MACs per image, log scale)", grid, key="B", on_change=_slider_moved,
                   format_func=lambda b: f"{b / 1e6:.2f} M",
                   help=f"From the cheapest exit ({V.fmt_m(lo)}) to the most expensive model ({V.fmt_m(hi)}), "
                        "MACs per image on the transmitter (1 MAC = 2 FLOPs).")
typed = side.text_input("…or type B", key="Bt", on_change=_typed, placeholder="e.g. 30M, 4.08e7",
                        help="MACs per image; k/M/G suffixes. A typed value overrides the slider; moving the slider "
                             "clears it.")
budget_raw = typed if typed.strip() else st.session_state["B"]
b_now, _ = V.read_budget(budget_raw)
st.query_params.update({"family": family, "ch": channel, "snr": f"{snr:g}",
                        "B": f"{(b_now if b_now is not None else st.session_state['B']):.10g}"})
for n in q.notices:
    st.warning(n)

view = V.toc_view(exit_costs, budget_raw, channel, snr, family, table, exit_params, shipped=cards, stale=stale)
if table_error:
    st.error(f"The shipped results table cannot be used: {table_error}. The cost side is shown.")
for m in view.messages:
    getattr(st, m.level)(m.text)
for col, m in zip(st.columns(len(view.metrics)), view.metrics):
    col.metric(m.label, m.value, m.delta, delta_color="inverse", help=m.help)
st.caption(view.notes[0])
if not view.trained:
    st.info(view.notes[1], icon=":material/hourglass_empty:")

st.subheader("Accuracy vs budget B")
st.plotly_chart(view.figures["accuracy_vs_budget"], width="stretch")
st.caption(view.notes[-1])
if family != "static":
    charts_side_by_side(("Exit histogram at B", view.figures["exit_histogram"]),
                        ("Accuracy per exit", view.figures["accuracy_per_exit"]))

def show_gallery():
    """Paper 001's Fig. 5 on the shipped sample images: which leave at which exit at the measured B."""
    dyn_name = canonical_name(V.DYNAMIC, V.DATASET)
    if dyn_name not in cards:
        return st.info("The dynamic model is not shipped yet: no gallery.", icon=":material/hourglass_empty:")
    if view.thresholds is None:
        return st.info("No measured budget at or below this B (or the table predates stored thresholds): no gallery.")
    if V.DYNAMIC in stale:  # thresholds fitted for another file than the one shipped now
        return st.info(f"The results table's thresholds were not measured on the dynamic model shipped now "
                       f"({stale[V.DYNAMIC]}): no gallery until `{V.TABLE_COMMAND}` measures it again.")
    index = samples_dir(V.DATASET) / "index.json"
    try:
        found = sample_exits(dyn_name, cards[dyn_name].get("sha256", ""),
                             index.stat().st_mtime if index.is_file() else None)
    except (ValueError, OSError, RuntimeError, KeyError) as e:  # a damaged model file or sample index
        return st.warning(f"The exit gallery cannot be drawn: {str(e).splitlines()[0] if str(e) else type(e).__name__}.")
    if found is None:
        return st.info(f"No sample images of {V.DATASET} are shipped (pretrained/samples/): no gallery.")
    conf, images, labels, preds, classes = found
    if conf.shape[1] != len(view.thresholds):
        return st.warning(f"The shipped dynamic model has {conf.shape[1]} exits, the results table {len(view.thresholds)}: "
                          "no gallery.")
    st.caption(f"The {len(images)} shipped sample test images under the thresholds fitted on the validation split "
               f"for B = {V.fmt_m(view.measured_budget)} MACs: each leaves at the first exit whose transmitter "
               "confidence reaches its threshold. Caption: true class, confidence at that exit; ✓/✗: the receiver's "
               "answer at that exit without noise.")
    for ex in V.gallery_view(view.thresholds, conf, labels, preds, classes, exit_costs[V.DYNAMIC]):
        st.markdown(f"**Exit {ex.exit}** · C = {V.fmt_m(ex.cost)} MACs · {ex.count} of {len(images)} images")
        if not ex.items:
            st.caption("none")
        for col, it in zip(st.columns(6) if ex.items else [], ex.items):
            mark = "✓" if it["correct"] else "✗ " + it["prediction"]
            col.image(images[it["index"]], width=72, caption=f"{it['cls']} {it['confidence']:.2f} {mark}")


if family != "static":
    st.subheader("Which images leave where (paper 001, Fig. 5)")
    show_gallery()

st.subheader("Models and B")
st.dataframe(view.models, hide_index=True)
st.subheader("Dynamic model: exits")
st.dataframe(view.exits, hide_index=True)
st.subheader("Paper 001, Table IV (CIFAR-100, AWGN 0 dB, accuracy %): reference")
st.dataframe(view.paper, hide_index=True)

st.subheader("Downloads")
cols = st.columns(len(view.tables))
for col, (name, t) in zip(cols, view.tables.items()):
    col.download_button(f"{name} (CSV)", t.to_csv(index=False), f"toc_{name}.csv", "text/csv", key=f"dl_{name}")
