import streamlit as st

from semcom_core.costs.compute import DEVICE_PRESETS, LINK_PRESETS
from semcom_core.data.registry import DatasetError
from semcom_core.plan import OBJECTIVES
from semcom_ui import cached
from semcom_ui.nav import PAGES_DIR, ensure_navigation
from semcom_ui.state import QueryState, parse_bool
from semcom_ui.views import planner as V

ensure_navigation()

st.title("Planner")
st.caption("The explorer's question turned around (issue 29; paper 002, eq. 1): for a device, an edge server, a "
           "link, an SNR and your constraints, where to cut the network and how many numbers to send. Every "
           "(split, k) of the shipped sweep table is a candidate: accuracy measured, latency and device energy "
           "modelled.")

q = QueryState(st.query_params)
side = st.sidebar
BACKBONES = V.planner_backbones()
if not BACKBONES:
    for n in q.notices:
        st.warning(n)
    st.error("No accuracy table is shipped in pretrained/split/: the planner reads measured accuracy only. "
             "`scripts/build_zoo.sh resnet18` trains the split models and measures one.")
    st.stop()


def pick(label, options, value, key, **kw):
    """A selectbox opened at `value` (read from the URL by the caller)."""
    return side.selectbox(label, options, index=tuple(options).index(value), key=key, **kw)


backbone = pick("Backbone", BACKBONES, q.get("bb", BACKBONES[0], BACKBONES), "bb",
                help="Backbones with a shipped accuracy table.")
typed_on = side.toggle("Type my own numbers", q.get("typed", False, cast=parse_bool), key="typed",
                       help="Replace the device, edge and link presets (and, if you like, the energy figures) by "
                            "numbers; they start from the presets chosen below.")
device = pick("Device (runs the transmitter)", V.DEVICES, q.get("dev", V.DEFAULT_DEVICE, V.DEVICES), "dev", disabled=typed_on,
              help="Peak FP32 FLOP/s of the device (sources in semcom_core/costs/compute.py).")
edge = pick("Edge server (runs the receiver)", V.DEVICES, q.get("edge", V.DEFAULT_EDGE, V.DEVICES), "edge", disabled=typed_on,
            help="Peak FP32 FLOP/s of the server that finishes the inference.")
link = pick("Link", V.LINKS, q.get("link", V.DEFAULT_LINK, V.LINKS), "link", disabled=typed_on, help="Nominal uplink rate.")
emac = pick("Device energy per MAC", V.EMAC_OPTIONS, q.get("emac", V.DEFAULT_EMAC, V.EMAC_OPTIONS), "emac",
            help="Sourced per-operation figures (docs/planner.md). The device's default: its own figure if it has "
                 "one, else FP32 arithmetic (Horowitz, ISSCC 2014), a lower bound.")
ebit = pick("Device energy per bit sent", V.EBIT_OPTIONS, q.get("ebit", V.DEFAULT_EBIT, V.EBIT_OPTIONS), "ebit",
            help="The link's default: its sourced radio figure (LoRa, LTE, Wi-Fi); NB-IoT and 5G have none, so "
                 "device energy is not computed with them unless you choose or type one.")
typed = None
if typed_on:
    lo, hi = V.TYPED_RANGES["devg"]
    devg = side.number_input("Device GFLOP/s", lo, hi, q.get("devg", DEVICE_PRESETS[device] / 1e9, cast=float, lo=lo,
                                                           hi=hi), key="devg", format="%g")
    lo, hi = V.TYPED_RANGES["edgeg"]
    edgeg = side.number_input("Edge GFLOP/s", lo, hi, q.get("edgeg", DEVICE_PRESETS[edge] / 1e9, cast=float, lo=lo,
                                                          hi=hi), key="edgeg", format="%g")
    lo, hi = V.TYPED_RANGES["mbps"]
    mbps = side.number_input("Link Mbit/s", lo, hi, q.get("mbps", LINK_PRESETS[link] / 1e6, cast=float, lo=lo, hi=hi),
                             key="mbps", format="%g")
    lo, hi = V.TYPED_RANGES["epj"]
    epj = side.number_input("Energy per MAC (pJ)", lo, hi, q.get("epj", None, cast=float, lo=lo, hi=hi), key="epj",
                            format="%g", placeholder="empty: the preset above")
    lo, hi = V.TYPED_RANGES["ebuj"]
    ebuj = side.number_input("Energy per bit sent (µJ)", lo, hi, q.get("ebuj", None, cast=float, lo=lo, hi=hi),
                             key="ebuj", format="%g", placeholder="empty: the preset above")
    typed = {"devg": devg, "edgeg": edgeg, "mbps": mbps, "epj": epj, "ebuj": ebuj}
snr = side.slider("SNR (dB)", V.SNR_RANGE[0], V.SNR_RANGE[1],
                  q.get("snr", 5.0, cast=float, lo=V.SNR_RANGE[0], hi=V.SNR_RANGE[1]), 0.5, key="snr",
                  help="Signal power / noise power per real number sent (docs/conventions.md). Between the table's "
                       "measured SNRs the accuracy is interpolated, and said so.")
channel = side.radio("Channel", V.CHANNELS, index=V.CHANNELS.index(q.get("ch", "awgn", V.CHANNELS)), key="ch",
                     horizontal=True, help="awgn: Gaussian noise on each real number; rayleigh: per-symbol fading, "
                                           "MMSE-equalized.")
bits = side.selectbox("Bits per number", V.BITS, index=V.BITS.index(q.get("bits", 32, V.BITS, int)), key="bits",
                      help="For the air time and the radio energy only: the accuracy is the table's, measured "
                           "sending unquantized numbers.")
side.markdown("**Constraints** (0: no limit)")
lo, hi = V.MIN_ACCURACY_RANGE
min_acc = side.slider("Minimum accuracy", lo, hi, q.get("acc", 0.85, cast=float, lo=lo, hi=hi), 0.01, key="acc",
                      help="A fraction of the test set, on the point estimate (0.85 = 85 %).")
lo, hi = V.LIMIT_RANGES["lat"]
max_lat = side.number_input("Maximum latency (ms)", lo, hi, q.get("lat", 0.0, cast=float, lo=lo, hi=hi), key="lat",
                            format="%g", help="End to end: device + air + edge.")
lo, hi = V.LIMIT_RANGES["macs"]
max_macs = side.number_input("Maximum device MACs (millions)", lo, hi, q.get("macs", 0.0, cast=float, lo=lo, hi=hi),
                             key="macs", format="%g", help="Multiply-accumulates per image on the device (eq. 1b).")
lo, hi = V.LIMIT_RANGES["mj"]
max_mj = side.number_input("Maximum device energy (mJ)", lo, hi, q.get("mj", 0.0, cast=float, lo=lo, hi=hi), key="mj",
                           format="%g", help="Per image: compute + radio.")
objective = side.radio("Objective", OBJECTIVES, index=OBJECTIVES.index(q.get("obj", "latency", OBJECTIVES)),
                       format_func=V.OBJECTIVE_LABELS.get, key="obj")

state = {"bb": backbone, "dev": device, "edge": edge, "link": link, "emac": emac, "ebit": ebit,
         "typed": "1" if typed_on else "0", "snr": f"{snr:g}", "ch": channel, "bits": str(bits),
         "acc": f"{min_acc:.2f}", "lat": f"{max_lat:.10g}", "macs": f"{max_macs:.10g}", "mj": f"{max_mj:.10g}",
         "obj": objective}
if typed is not None:
    state.update({k: f"{v:.10g}" for k, v in typed.items() if v is not None})
st.query_params.from_dict(state)
for n in q.notices:  # only on the run that read the user's link (semcom_ui.state)
    st.warning(n)


@st.cache_data(show_spinner=False)
def costs_for(bb: str):
    """(split, k) -> (device MACs, edge MACs, numbers sent): the slow part (MACs counted once per backbone)."""
    return V.cost_lookup(bb, cached.sweep_table(bb, V.DATASET))


@st.cache_data(show_spinner=False, max_entries=256)
def plan_for(inp):
    """The plan of these inputs (PlanInputs holds everything a plan depends on besides the backbone's table)."""
    return V.run_plan(inp, cached.sweep_table(inp.backbone, inp.dataset), costs_for(inp.backbone))


@st.cache_resource(show_spinner=False, max_entries=256)
def view_for(inp):
    """What the page shows for these inputs, figures included (~0.1 s to build), shared by every session: the
    page only reads it."""
    return V.planner_view(plan_for(inp))


cons = V.constraints(min_acc, max_lat, max_macs, max_mj)
inp, error = V.plan_inputs(backbone, device, edge, link, snr, channel, bits, cons, objective, emac, ebit, typed)
view = None
if error:
    st.error(error, icon=":material/error:")
else:
    try:
        with st.spinner("Planning: the first plan of a backbone counts the MACs of every split model (about 7 s)"):
            view = view_for(inp)
    except DatasetError as e:
        st.error(f"No plan: {e}.")

if view is not None:
    if view.feasible:
        st.success(view.recommendation, icon=":material/check_circle:")
    for m in view.messages:
        getattr(st, m.level)(m.text)
    for col, m in zip(st.columns(len(view.metrics)), view.metrics):
        col.metric(m.label, m.value, help=m.help)
    st.caption(f"{view.counts}. {view.detail}")
    if view.explorer_params:
        st.page_link(PAGES_DIR / "explorer.py", label=f"Open the split explorer at {view.choice_label}",
                     icon=":material/call_split:", query_params=view.explorer_params,
                     help=f"{view.explorer_url}: the chosen split, k, channel and SNR"
                          + (", with these presets in 'Think in seconds'" if "sec" in view.explorer_params else ""))
    if view.binding is not None and len(view.binding):
        st.subheader("Which constraint binds")
        st.dataframe(view.binding, hide_index=True)

    c1, c2 = st.columns(2)
    with c1:
        st.subheader("Accuracy vs latency")
        st.plotly_chart(view.figures["latency"], width="stretch")
    with c2:
        st.subheader("Accuracy vs device energy")
        st.plotly_chart(view.figures["energy"], width="stretch")

    st.subheader("Feasible candidates")
    if len(view.table):
        st.dataframe(view.table, hide_index=True)
    else:
        st.info("No candidate meets every constraint: every candidate, with what it fails, is below.")
        st.dataframe(view.candidates, hide_index=True)
    st.subheader("Baselines")
    st.dataframe(view.baselines, hide_index=True)
    d1, d2 = st.columns(2)
    d1.download_button("Feasible candidates (CSV)", view.table.to_csv(index=False),
                       f"plan_{backbone}_feasible.csv", "text/csv", key="dl_feasible")
    d2.download_button("Every candidate (CSV)", view.candidates.to_csv(index=False),
                       f"plan_{backbone}_all.csv", "text/csv", key="dl_all")
    for n in view.notes:
        st.caption(n)
