import streamlit as st

from semcom_core.costs import compute as C
from semcom_core.nets.split import K_CHOICES
from semcom_ui.nav import ensure_navigation
from semcom_ui.state import QueryState
from semcom_ui.views import costs as V

ensure_navigation()

st.title("Split costs")
st.caption("Paper 000, Table II and Fig. 5: what each side computes and stores, for every split point. "
           "These numbers need no trained weights: they are counted on the network structure.")

q = QueryState(st.query_params)

BACKBONES = V.BACKBONES
side = st.sidebar
backbone = side.selectbox("Backbone", BACKBONES, key="backbone", index=BACKBONES.index(q.get("backbone", "resnet18", BACKBONES)),
                          help="CIFAR ResNet (3x3 stem, no max-pool).")
num_classes = side.selectbox("Classes", (10, 100), key="classes", index=(10, 100).index(q.get("classes", 10, (10, 100), int)),
                             help="10 for CIFAR-10, 100 for CIFAR-100 (the paper's Table II uses 100).")
split = side.selectbox("Split point", [f"SP-{i}" for i in range(7)], key="split",
                       index=int(q.get("split", "SP-2", [f"SP-{i}" for i in range(7)])[3]),
                       help="SP-0 sends the image, SP-6 the logits (the receiver takes the label); SP-1..SP-5 cut after conv1..conv5_x.")
k = side.select_slider("k (numbers sent)", K_CHOICES, key="k", value=q.get("k", 1024, K_CHOICES, int),
                       help="Size of the bottleneck vector z, real numbers.")
decompress = side.radio("Decompression stages", (1, 2), key="dec", index=(1, 2).index(q.get("dec", 2, (1, 2), int)),
                        horizontal=True, help="ConvTranspose2d stages at the receiver (the paper's Table II uses 2).")
log_gamma = side.slider("log10 γ", -5.0, 0.0, q.get("lg", -3.0, cast=float, lo=-5.0, hi=0.0), 0.1, key="lg",
                        help="γ = receiver time per FLOP / transmitter time per FLOP. Small γ: a fast server.")
convention = side.radio("Counting convention", C.CONVENTIONS, key="conv", index=C.CONVENTIONS.index(
    q.get("conv", "true", C.CONVENTIONS)), horizontal=True,
    help="true: real MACs of every layer; paper: as paper 000's released code counts them.")
st.query_params.update({"backbone": backbone, "classes": str(num_classes), "split": split, "k": str(k),
                        "dec": str(decompress), "lg": f"{log_gamma:.1f}", "conv": convention})
top = st.container()  # per-split readings, filled once the latency presets below are chosen
st.subheader("Seconds, not FLOPs")
c1, c2, c3, c4 = st.columns([3, 3, 3, 1.4])  # wide enough for the presets' full names
devices, links = list(C.DEVICE_PRESETS), list(C.LINK_PRESETS)
tx_dev = c1.selectbox("Transmitter", devices, key="txd", index=devices.index(q.get("txd", devices[0], devices)),
                      help="Peak FP32 FLOP/s of the edge device.")
rx_dev = c2.selectbox("Receiver", devices, key="rxd", index=devices.index(q.get("rxd", devices[-1], devices)),
                      help="Peak FP32 FLOP/s of the server.")
link = c3.selectbox("Link", links, key="link", index=links.index(q.get("link", links[1], links)), help="Nominal uplink rate.")
bits = c4.selectbox("Bits per number", (8, 16, 32), key="bits", index=(8, 16, 32).index(q.get("bits", 32, (8, 16, 32), int)),
                    help="Quantization of each element of z on the link (SP-0 sends the image: its 8-bit pixels, at most 8 bits).")
st.query_params.update({"txd": tx_dev, "rxd": rx_dev, "link": link, "bits": str(bits)})  # a link reopens these too
with top:
    for n in q.notices:  # every parameter read by now, the latency presets too
        st.warning(n)

table = st.cache_data(C.cost_table)(backbone, num_classes, k, decompress)
accuracy = st.cache_data(V.shipped_split_accuracy)(backbone, num_classes)
view = V.costs_view(table, split, log_gamma, convention, C.DEVICE_PRESETS[tx_dev], C.DEVICE_PRESETS[rx_dev],
                    C.LINK_PRESETS[link], bits, accuracy)
with top:
    for col, m in zip(st.columns(len(view.metrics)), view.metrics):
        col.metric(m.label, m.value, help=m.help)
    st.caption(view.share_note)
    st.plotly_chart(view.computation_figure, width="stretch")
    st.plotly_chart(view.macs_figure, width="stretch")
st.write(view.latency_note)
st.plotly_chart(view.latency_figure, width="stretch")

st.subheader("Table II: per-side costs in both conventions")
st.info(C.CONVENTION_NOTES["difference"])
st.dataframe(view.table, hide_index=True)
st.download_button("Download the cost table (CSV)", view.table.to_csv(index=False), f"costs_{backbone}_k{k}.csv",
                   "text/csv")
