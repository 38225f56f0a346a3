import pandas as pd
import streamlit as st

from semcom_core.costs.compute import DEVICE_PRESETS, LINK_PRESETS
from semcom_core.data.registry import DatasetError
from semcom_core.plan import OBJECTIVES
from semcom_ui import cached
from semcom_ui.layout import charts_side_by_side
from semcom_ui.nav import PAGES_DIR, ensure_navigation
from semcom_ui.state import QueryState, parse_bool
from semcom_ui.views import planner as V

ensure_navigation()

st.title("Planner")
st.caption("The explorer's question turned around (paper 002, eq. 1): for a device, an edge server, a "
           "link, an SNR and your constraints, where to cut the network and how many numbers to send. Every "
           "(split, k) of the shipped sweep table is a candidate, and so are paper 001's TOC models (CIFAR-10) when "
           "shipped: accuracy measured, latency and device energy modelled.")

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
                      help="Analog candidates: for the air time and the radio energy only (the accuracy is the "
                           "table's, measured sending unquantized numbers); SP-0 sends the image's 8-bit pixels, at most 8 bits. "
                           "Digital candidates use their own b.")
mode = side.radio("Send the numbers as", V.LINK_MODES, index=V.LINK_MODES.index(q.get("mode", "analog", V.LINK_MODES)),
                  format_func=V.LINK_MODE_LABELS.get, key="mode",
                  help="Analog: the sweep table's accuracy at the SNR. Digital: quantized to b = 1..8 bits, "
                       "entropy-coded, sent over the digital link below (the quantization table's accuracy x the "
                       "link's delivery rate). Both: every candidate either way; the planner picks.")
dlink = side.radio("Digital link", tuple(V.DIGITAL_LINK_LABELS), key="dlink", horizontal=True,
                   index=tuple(V.DIGITAL_LINK_LABELS).index(q.get("dlink", "ldpc", tuple(V.DIGITAL_LINK_LABELS))),
                   format_func=V.DIGITAL_LINK_LABELS.get, disabled=mode == "analog",
                   help="LDPC + QPSK: rate 1/2, one information bit per complex channel use, frame loss measured "
                        "(pretrained/split/ldpc_bler.csv). Shannon: the capacity in bits per channel use (AWGN log2(1 + SNR); "
                        "Rayleigh the ergodic capacity), error-free (an upper bound).")
air = side.radio("Analog air time", tuple(V.ANALOG_AIR_LABELS), key="air", horizontal=True,
                 index=tuple(V.ANALOG_AIR_LABELS).index(q.get("air", "bits", tuple(V.ANALOG_AIR_LABELS))),
                 format_func=V.ANALOG_AIR_LABELS.get,
                 help="k × bits per number / link rate: the cost model's (paper 000). ⌈k/2⌉ channel uses / rate: "
                      "the link rate read as channel uses per second, as the digital link counts (1 bit per use).")
side.markdown("**Constraints** (0: no limit)")
lo, hi = V.MIN_ACCURACY_RANGE
min_acc = side.slider("Minimum accuracy", lo, hi, q.get("acc", 0.85, cast=float, lo=lo, hi=hi), 0.01, key="acc",
                      help="A fraction of the test set, on the point estimate (0.85 = 85 %).")
lo, hi = V.LIMIT_RANGES["lat"]
max_lat = side.number_input("Maximum latency (ms)", lo, hi, q.get("lat", 0.0, cast=float, lo=lo, hi=hi), key="lat",
                            format="%g", help="End to end: device + air + edge, per image: the dynamic TOC model is checked "
                                              "at its worst image (the deepest exit used; the objective uses the "
                                              "mean).")
lo, hi = V.LIMIT_RANGES["macs"]
max_macs = side.number_input("Maximum device MACs (millions)", lo, hi, q.get("macs", 0.0, cast=float, lo=lo, hi=hi),
                             key="macs", format="%g", help="Multiply-accumulates per image on the device (eq. 1b); the dynamic "
                                                            "TOC model at its worst image.")
lo, hi = V.LIMIT_RANGES["mj"]
max_mj = side.number_input("Maximum device energy (mJ)", lo, hi, q.get("mj", 0.0, cast=float, lo=lo, hi=hi), key="mj",
                           format="%g", help="Per image: compute + radio; the dynamic TOC model at its worst image "
                                             "(the deepest exit used), as the latency.")
objective = side.radio("Objective", OBJECTIVES, index=OBJECTIVES.index(q.get("obj", "latency", OBJECTIVES)),
                       format_func=V.OBJECTIVE_LABELS.get, key="obj")

state = {"bb": backbone, "dev": device, "edge": edge, "link": link, "emac": emac, "ebit": ebit,
         "typed": "1" if typed_on else "0", "snr": f"{snr:g}", "ch": channel, "bits": str(bits),
         "mode": mode, "dlink": dlink, "air": air,
         "acc": f"{min_acc:.2f}", "lat": f"{max_lat:.10g}", "macs": f"{max_macs:.10g}", "mj": f"{max_mj:.10g}",
         "obj": objective}
if typed is not None:
    state.update({k: f"{v:.10g}" for k, v in typed.items() if v is not None})


@st.cache_resource(show_spinner=False)
def quant_table(bb: str):
    """The shipped quantization table of `bb` (None when not measured). A resource, not data: every rerun reads it,
    nothing writes it, so it is shared rather than copied per call."""
    from semcom_core.plan.planner import quant_path
    path = quant_path(bb, V.DATASET)
    return pd.read_csv(path) if path.is_file() else None


@st.cache_resource(show_spinner=False)
def bler_table():
    """The measured LDPC + QPSK block error rates (None when not shipped); shared, read only."""
    from semcom_core.digital.link import load_bler
    try:
        return load_bler()
    except FileNotFoundError:
        return None


@st.cache_resource(show_spinner=False)
def digital_options(bb: str) -> dict:
    """split -> k -> measured b of `bb`'s quantization table (once per backbone, not per rerun)."""
    quant = quant_table(bb)
    return V.digital_options(quant) if quant is not None else {}


QUANT = quant_table(backbone)
DIGITAL_OPTIONS = digital_options(backbone)
# the "Analog vs digital" section's split, k and b: read even for a backbone without a quantization table (the
# section then says so), so that a link keeps them
OPTIONS_OR_DEFAULT = DIGITAL_OPTIONS or {sp: {k: V.DIGITAL_BITS for k in V.DIGITAL_KS} for sp in V.DIGITAL_SPLITS}
if OPTIONS_OR_DEFAULT:
    d_splits = tuple(OPTIONS_OR_DEFAULT)
    d_default = "SP-4" if "SP-4" in d_splits else d_splits[0]
    d_split = q.get("dsp", d_default, d_splits)
    d_ks = tuple(OPTIONS_OR_DEFAULT[d_split])
    d_k = q.get("dk", 64 if 64 in d_ks else d_ks[0], d_ks, int)
    d_bits_opts = OPTIONS_OR_DEFAULT[d_split][d_k]
    d_b = q.get("db", 4 if 4 in d_bits_opts else d_bits_opts[-1], d_bits_opts, int)
    # the widgets are drawn in the "Analog vs digital" section below; their current values (session state,
    # keyed per split and k so that a changed split never holds a k it does not have) go into the URL here
    d_split = st.session_state.get("dsp", d_split)
    d_split = d_split if d_split in d_splits else d_default
    d_ks = tuple(OPTIONS_OR_DEFAULT[d_split])
    d_k = st.session_state.get(f"dk_{d_split}", d_k)
    d_k = d_k if d_k in d_ks else (64 if 64 in d_ks else d_ks[0])
    d_bits_opts = OPTIONS_OR_DEFAULT[d_split][d_k]
    d_b = st.session_state.get(f"db_{d_split}_{d_k}", d_b)
    d_b = d_b if d_b in d_bits_opts else (4 if 4 in d_bits_opts else d_bits_opts[-1])
    state.update({"dsp": d_split, "dk": str(d_k), "db": str(d_b)})
st.query_params.from_dict(state)
for n in q.notices:  # only on the run that read the user's link (semcom_ui.state)
    st.warning(n)


@st.cache_resource(show_spinner=False)
def shared_sweep(bb: str):
    """The sweep table of `bb`, one object shared by every plan and session, read only: a plan prepares what it reads
    off a table (its groups, sorted per SNR) once per table object (`plan.readings.prepared`), so a plan at a new
    SNR only reads."""
    return cached.sweep_table(bb, V.DATASET)


@st.cache_data(show_spinner=False)
def costs_for(bb: str):
    """(split, k) -> (device MACs, edge MACs, numbers sent): the slow part (MACs counted once per backbone)."""
    return V.cost_lookup(bb, shared_sweep(bb))


def _toc_stamp() -> tuple:
    """Modification times and sizes of the TOC results table, cards and weight files (`V.toc_stamp`)."""
    from semcom_core.toc.tables import shipped_dir
    return V.toc_stamp(shipped_dir())


@st.cache_resource(show_spinner=False, max_entries=4)
def toc_shipped(stamp):
    """(TOC results table, the shipped models whose rows match their file, the ones left out with why): shared and
    read only, as `shared_sweep`."""
    from semcom_core.plan.toc import shipped_toc
    return shipped_toc(V.DATASET)


@st.cache_data(show_spinner=False)
def toc_costs_for(models: tuple):
    """The TOC models' MACs per exit (counted once per server)."""
    return V.toc_cost_lookup(models)


@st.cache_data(show_spinner=False, max_entries=256)
def plan_for(inp, toc_stamp=()):
    """The plan of these inputs (PlanInputs holds everything a plan depends on besides the backbone's table and the
    shipped TOC files, whose stamp is the second key)."""
    digital = "digital" in inp.modes
    toc_table, toc_models, toc_left_out = toc_shipped(toc_stamp) if inp.toc else (None, (), {})
    return V.run_plan(inp, shared_sweep(inp.backbone), costs_for(inp.backbone),
                      quant=quant_table(inp.backbone) if digital else None, bler=bler_table() if digital else None,
                      toc_results=toc_table, toc_costs=toc_costs_for(tuple(toc_models)) if toc_models else {},
                      toc_models=tuple(toc_models), toc_left_out=toc_left_out)


@st.cache_resource(show_spinner=False, max_entries=256)
def view_for(inp, toc_stamp=()):
    """What the page shows for these inputs, figures included (~0.1 s to build), shared by every session: the
    page only reads it."""
    return V.planner_view(plan_for(inp, toc_stamp))


@st.cache_resource(show_spinner=False, max_entries=64)
def digital_curves_for(bb: str, split: str, k: int, b: int, ch: str):
    """The SNR-free part of the 'Analog vs digital' section (`V.digital_curves`); ValueError as it raises."""
    return V.digital_curves(shared_sweep(bb), quant_table(bb), bler_table(), split, k, b, ch)


@st.cache_resource(show_spinner=False, max_entries=256)
def digital_for(bb: str, split: str, k: int, b: int, ch: str, snr_db: float):
    """The 'Analog vs digital' section for these settings, figures included, shared by every session (the page
    only reads it); ValueError as digital_view raises it."""
    return V.digital_view(shared_sweep(bb), quant_table(bb), bler_table(), split, k, b, ch, snr_db,
                          curves=digital_curves_for(bb, split, k, b, ch))


cons = V.constraints(min_acc, max_lat, max_macs, max_mj)
inp, error = V.plan_inputs(backbone, device, edge, link, snr, channel, bits, cons, objective, emac, ebit, typed,
                           mode=mode, digital_link=dlink, analog_air=air)
if error is None and mode == "digital" and (QUANT is None or bler_table() is None):
    error = (f"Digital is not measured for {backbone}: no quantization table (pretrained/split/quant_{backbone}_"
             f"{V.DATASET}.csv)" + ("" if bler_table() is not None else " or LDPC block error rates "
                                    "(pretrained/split/ldpc_bler.csv)")
             + f". The quantization table measures ResNet-18 only, at SP-2/3/4 and k = {V.DIGITAL_KS[0]}.."
             f"{V.DIGITAL_KS[-1]}. Choose analog "
             "symbols, or both (then every candidate is analog, and the page says so).")
    inp = None
view = None
TOC_STAMP = _toc_stamp()
if error:
    st.error(error, icon=":material/error:")
else:
    try:
        with st.spinner("Planning: the first plan of a backbone counts the MACs of every split model (about 7 s)"):
            view = view_for(inp, TOC_STAMP)
    except DatasetError as e:
        st.error(f"No plan: {e}.")

# The page's layout is a fixed sequence of containers: how many messages, metrics or links a plan has changes only
# what is inside its container, never the position of what follows, so a rerun does not remount the charts and tables
# below (the browser redraws only the elements whose content changed)
HEAD, CHARTS, TABLES, NOTES = st.container(), st.container(), st.container(), st.container()
if view is not None:
    with HEAD:
        if view.feasible:
            st.success(view.recommendation, icon=":material/check_circle:")
        for m in view.messages:
            getattr(st, m.level)(m.text)
        for col, m in zip(st.columns(len(view.metrics)), view.metrics):
            col.metric(m.label, m.value, help=m.help)
        st.caption(f"{view.counts}. {view.detail}")
        if view.explorer_params:
            st.page_link(PAGES_DIR / "explorer.py", label=view.explorer_label,
                         icon=":material/call_split:", query_params=view.explorer_params,
                         help=f"{view.explorer_url}: the chosen split, k, channel and SNR"
                              + (", with these presets in 'Think in seconds'" if "sec" in view.explorer_params else ""))
        if view.toc_params:
            st.page_link(PAGES_DIR / "toc.py", label=f"Open the Budgeted TOC page at {view.choice_label}",
                         icon=":material/speed:", query_params=view.toc_params,
                         help=f"{view.toc_url}: {V.TOC_LINK_HELP}")
        if view.binding is not None and len(view.binding):
            st.subheader("Which constraint binds")
            st.dataframe(view.binding, hide_index=True)

    with CHARTS:
        charts_side_by_side(("Accuracy vs latency", view.figures["latency"]),
                            ("Accuracy vs device energy", view.figures["energy"]), keys=("pareto_latency", "pareto_energy"))
        if view.points.worst_latency_ms.notna().any():  # a dynamic TOC model: mean points, worst-image whiskers
            st.caption(V.CHART_WORST_CAPTION)

    with TABLES:
        st.subheader("Feasible candidates")
        if len(view.table):
            st.dataframe(view.table, hide_index=True)
        else:
            st.info("No candidate meets every constraint: every candidate, with what it fails, is below.")
            st.dataframe(view.candidates, hide_index=True)
        st.subheader("Baselines")
        st.dataframe(view.baselines, hide_index=True)
        d1, d2 = st.columns(2)
        d1.download_button("Feasible candidates (CSV)", view.table_csv, f"plan_{backbone}_feasible.csv", "text/csv",
                           key="dl_feasible")
        d2.download_button("Every candidate (CSV)", view.candidates_csv, f"plan_{backbone}_all.csv", "text/csv",
                           key="dl_all")
    with NOTES:
        for n in view.notes:
            st.caption(n)


if view is not None:  # the digital section follows a plan that could be made (no error above)
    st.header("Analog vs digital")
    st.caption("The same k numbers sent two ways: as analog symbols (the sweep table's measured accuracy at each SNR) "
               "or quantized to b bits, entropy-coded and sent as bits: over the measured rate-1/2 LDPC + QPSK chain "
               "(the frame either arrives or is lost, then the receiver guesses: the cliff) or over an ideal code at "
               "Shannon capacity with the same channel uses. Accuracy after quantization measured with error-free bits "
               "(pretrained/split/quant_*.csv); block error rates measured (pretrained/split/ldpc_bler.csv).")
    BLER = bler_table()
    if not DIGITAL_OPTIONS or BLER is None:
        st.info(f"No quantization table or LDPC block error rates are shipped for {backbone}: "
                "`python -m semcom_core digital quantize-sweep` and `python -m semcom_core digital bler` measure them.")
    else:
        choice = view.choice  # the cached view's (plan_for would hand back a copy of the whole plan)
        if (choice is not None and choice.digital and "dsp" not in q.raw and "dsp" not in st.session_state
                and choice.bits_per_number in DIGITAL_OPTIONS.get(choice.split, {}).get(choice.k, ())):
            # opened without a choice of its own: the section starts at the planner's digital choice
            d_split, d_k, d_b = choice.split, choice.k, choice.bits_per_number
            st.query_params.update({"dsp": d_split, "dk": str(d_k), "db": str(d_b)})
        c1, c2, c3 = st.columns(3)
        d_splits = tuple(DIGITAL_OPTIONS)
        d_split = c1.selectbox("Split", d_splits, index=d_splits.index(d_split), key="dsp")
        d_ks = tuple(DIGITAL_OPTIONS[d_split])
        d_k = c2.selectbox("k (numbers sent)", d_ks, index=d_ks.index(d_k) if d_k in d_ks else 0, key=f"dk_{d_split}")
        d_bits_opts = DIGITAL_OPTIONS[d_split][d_k]
        d_b = c3.select_slider("Bits per number (b)", d_bits_opts, value=d_b if d_b in d_bits_opts else d_bits_opts[-1],
                               key=f"db_{d_split}_{d_k}",
                               help="The quantizer's bits per number (uniform, mid-tread; docs/planner.md).")
        try:
            dv = digital_for(backbone, d_split, d_k, d_b, channel, snr)
        except ValueError as e:
            st.info(f"{e}.")
        else:
            for col, m in zip(st.columns(len(dv.metrics)), dv.metrics):
                col.metric(m.label, m.value, m.delta, help=m.help, delta_color="off")
            st.caption(dv.summary)
            charts_side_by_side(("Accuracy vs SNR", dv.figures["accuracy"]),
                                ("Channel uses per image", dv.figures["uses"]), keys=("digital_accuracy", "digital_uses"))
            st.dataframe(dv.table, hide_index=True)
