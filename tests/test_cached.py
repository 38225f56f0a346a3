"""semcom_ui.cached.refresh_if_artifacts_changed: a model or table replaced in pretrained/ while the server
runs empties Streamlit's caches on the next script run (so no page shows an old model beside a new table),
and nothing is cleared while the files stay as they are."""
import os

import streamlit as st

from semcom_ui import cached


def test_caches_are_emptied_when_a_shipped_file_changes_and_only_then(tmp_path, monkeypatch):
    (tmp_path / "split").mkdir()
    table = tmp_path / "split" / "sweep_x.csv"
    table.write_text("a\n1\n")
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    cached.refresh_if_artifacts_changed()  # whatever was seen before this test
    calls = []

    @st.cache_data(show_spinner=False)
    def read(path: str) -> str:
        calls.append(path)
        return open(path).read()

    assert read(str(table)) == "a\n1\n" and read(str(table)) == "a\n1\n" and len(calls) == 1
    assert cached.refresh_if_artifacts_changed() is False  # nothing changed: the cache stays
    assert read(str(table)) == "a\n1\n" and len(calls) == 1
    (tmp_path / "samples").mkdir()
    (tmp_path / "notes.txt").write_text("not an artifact")
    assert cached.refresh_if_artifacts_changed() is False  # only models, cards and tables count

    table.write_text("a\n2\n")  # re-measured
    st_ = table.stat()
    os.utime(table, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000))
    assert cached.refresh_if_artifacts_changed() is True
    assert read(str(table)) == "a\n2\n" and len(calls) == 2  # read afresh
    assert cached.refresh_if_artifacts_changed() is False

    (tmp_path / "toc").mkdir()
    (tmp_path / "toc" / "m.safetensors").write_bytes(b"x")  # a newly shipped model
    assert cached.refresh_if_artifacts_changed() is True
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "elsewhere"))  # another pretrained/ altogether
    assert cached.refresh_if_artifacts_changed() is True


def test_measurement_keys_change_with_the_shipped_files(tmp_path, monkeypatch):
    """A finished "Measure now" result is keyed by the files' generation: after a re-export the same setting
    is a new measurement, not the old model's result."""
    (tmp_path / "split").mkdir()
    f = tmp_path / "split" / "split_x.safetensors"
    f.write_bytes(b"a")
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    cached.refresh_if_artifacts_changed()
    key = cached.measure_key("resnet18", "cifar10", "SP-4", 64, 5.0, "awgn", 1000)
    assert cached.measure_key("resnet18", "cifar10", "SP-4", 64, 5.0, "awgn", 1000) == key
    assert cached.describe_measurement(key) == "resnet18 SP-4, k = 64, 5 dB awgn, 1000 images"
    (tmp_path / "samples" / "cifar10").mkdir(parents=True)
    (tmp_path / "samples" / "cifar10" / "index.json").write_text("{}")  # new samples count too
    assert cached.refresh_if_artifacts_changed() is True
    assert cached.measure_key("resnet18", "cifar10", "SP-4", 64, 5.0, "awgn", 1000) != key


def test_an_upload_is_decoded_once_per_content_and_target():
    import hashlib
    import io

    import numpy as np
    from PIL import Image

    from semcom_core.data.images import to_model_image
    st.cache_data.clear()
    img = Image.new("L", (40, 40), 230)  # a dark digit on a light background, as a phone photo of paper
    img.paste(20, (15, 5, 25, 35))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    for invert in (False, True):  # the IoT page inverts light backgrounds, the explorer does not: never mixed up
        got, notes = cached.upload_image(digest, data, (28, 28), 1, invert_light_background=invert)
        want, want_notes = to_model_image(data, (28, 28), 1, invert_light_background=invert)
        assert np.array_equal(got, want) and notes == want_notes
    assert not np.array_equal(cached.upload_image(digest, data, (28, 28), 1)[0],
                              cached.upload_image(digest, data, (28, 28), 1, invert_light_background=True)[0])
