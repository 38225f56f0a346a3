import hashlib

import streamlit as st

from semcom_core.data.registry import DatasetError, get_spec
from semcom_core.data.samples import load_samples
from semcom_core.digital.separation import DEFAULT_JPEG_QUALITY, SeparationConfig
from semcom_core.eval.iot import IOT_CHANNELS as CHANNELS
from semcom_core.eval.live_iot import one_image
from semcom_core.zoo.iot import load_iot_models
from semcom_ui import cached
from semcom_ui.nav import ensure_navigation
from semcom_ui.state import QueryState, parse_bool
from semcom_ui.views import iot as V

ensure_navigation()

st.title("Learned IoT transceiver vs separation")
st.caption("Paper 003, measured: DeepSC-IoT (conv encoder → 16 complex symbols → channel → decoder + MLP) "
           "against JPEG → rate-1/2 5G LDPC → QPSK → channel → LDPC decoding → JPEG decoding → classifier. "
           "SNR is per complex channel use (Es/N0); both systems are charged in complex channel uses.")

q = QueryState(st.query_params)
DATASETS = ("mnist", "fashion-mnist")
side = st.sidebar
dataset = side.selectbox("Dataset", DATASETS, index=DATASETS.index(q.get("ds", "mnist", DATASETS)), key="ds",
                         help="MNIST as in the paper; Fashion-MNIST as the harder case.")
channel = side.selectbox("Channel", tuple(CHANNELS), index=tuple(CHANNELS).index(q.get("ch", "complex_awgn", tuple(CHANNELS))),
                         key="ch", help="complex_awgn: complex AWGN. rayleigh: per-symbol Rayleigh fading, perfect CSI "
                                        "(zero-forcing + matched LLRs for QPSK, MMSE for the learned system).")
snr = side.slider("SNR (dB)", -10.0, 20.0, q.get("snr", 0.0, cast=float, lo=-10.0, hi=20.0), 0.5, key="snr",
                  help="Signal-to-noise ratio per complex channel use.")
# one slider per dataset, opening at that dataset's table quality: a quality in the URL belongs to the dataset the
# URL names (after a switch of dataset, the URL still holds the previous dataset's until this run rewrites it)
url_quality = q.get("jq", DEFAULT_JPEG_QUALITY[dataset], cast=int, lo=1, hi=95)
quality = side.slider("JPEG quality (live demo)", 1, 95,
                      url_quality if st.query_params.get("ds", dataset) == dataset else DEFAULT_JPEG_QUALITY[dataset],
                      key=f"jq_{dataset}", help="Quality of the separation chain's JPEG for the live demo (the "
                                                "shipped table uses 10 for MNIST, 50 for Fashion-MNIST).")
headers = side.checkbox("Send JPEG headers", q.get("hdr", False, cast=parse_bool), key="hdr",
                        help="Off: the receiver knows the fixed tables and only the scan data is sent.")
st.query_params.update({"ds": dataset, "ch": channel, "snr": f"{snr:g}", "jq": str(quality),
                        "hdr": "1" if headers else "0"})
for n in q.notices:
    st.warning(n)


@st.cache_resource
def models(ds: str):
    return load_iot_models(ds)


try:
    table = st.cache_data(V.load_iot_table)()
    learned, clf, lcard, ccard = models(dataset)
    view = V.iot_table_view(table, dataset, channel, snr, tuple(lcard["config"]["snr_db_range"]))
except DatasetError as e:
    st.error(str(e))
    st.stop()
for col, m in zip(st.columns(len(view.metrics)), view.metrics):
    col.metric(m.label, m.value, help=m.help)
st.caption(view.note)
st.plotly_chart(view.figure, width="stretch")
st.download_button("Download the measured table (CSV)", view.rows.to_csv(index=False), f"iot_{dataset}_{channel}.csv",
                   "text/csv")

st.subheader("One image through both systems")
samples, sample_meta = load_samples(dataset)
spec = get_spec(dataset)
src = st.radio("Image", ("shipped sample", "upload"), horizontal=True, key="src")
image, notes = None, []
if src == "upload":
    up = st.file_uploader("An image (any common format, up to 20 MB)", type=None, key="upload")
    if up is not None:
        try:
            data = up.getvalue()  # decoded once per file (cached by its sha256), not on every rerun
            image, notes = cached.upload_image(hashlib.sha256(data).hexdigest(), data, tuple(spec.image_shape[:2]), 1,
                                               invert_light_background=True)
        except ValueError as e:
            st.error(f"Could not use this file: {e}")
elif samples:
    idx = st.slider("Sample", 0, len(samples) - 1, 0, key="sample",
                    help="10 test images per class, shipped in pretrained/samples/")
    image = samples[idx].image
    notes = [f"test image #{samples[idx].test_index}, class {samples[idx].cls}"]
if image is not None:
    if "seed" not in st.session_state:
        st.session_state.seed = 0
    if st.button("Re-draw the noise", key="redraw"):
        st.session_state.seed += 1
    seed = st.session_state.seed
    try:
        with st.spinner("sending through both systems"):
            r = one_image(learned, clf, image, dataset, snr, channel, SeparationConfig(quality, headers), seed)
    except Exception as e:  # never a traceback on the page
        st.error(f"The live run failed ({type(e).__name__}: {e}). Try another image or setting.")
        st.stop()
    cols = st.columns(3)
    cols[0].image(image[..., 0], caption="original", width=140, clamp=True)
    if r.separation_decoded is None:
        cols[1].error("separation: JPEG could not be decoded")
    else:
        cols[1].image(r.separation_decoded, caption=f"separation receiver decodes (q{quality})", width=140)
    cols[2].image(r.learned_picture, caption="DeepSC-IoT picture head (from the noisy 16 symbols)", width=140)
    classes = sample_meta.get("classes") or [str(i) for i in range(spec.num_classes)]
    lp, sp = r.learned_probs, r.separation_probs
    p1, p2 = st.columns(2)
    p1.markdown(f"**DeepSC-IoT:** {classes[int(lp.argmax())]} ({lp.max():.2f})")
    p2.markdown("**Separation:** " + (f"{classes[int(sp.argmax())]} ({sp.max():.2f})" if sp is not None
                                      else "failed → random guess"))
    st.caption(f"Per image: DeepSC-IoT {r.learned_uses} complex channel uses (analog symbols, no bits); separation "
               f"{r.plan.channel_uses} channel uses = {r.plan.coded_bits} coded bits carrying {r.plan.payload_bits} "
               f"payload bits ({r.jpeg_bytes} B JPEG file, {r.sent_bytes} B sent). Bit errors before/after LDPC: "
               f"{r.stats['uncoded_bit_errors']}/{r.stats['info_bit_errors']}. Noise seed {seed}. " + "; ".join(notes))
