import io
import json
from contextlib import redirect_stdout

import pandas as pd
import pytest
import torch
from safetensors.torch import save_file

from semcom_core.cli import main as cli_main
from semcom_core.config import TrainConfig
from semcom_core.data.prepare import prepare
from semcom_core.nets import build_backbone
from semcom_core.nets.multisplit import MultiSplitModel

from .fixtures import write_cifar_pickles


def ship(model, name, cfg, folder):
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / f"{name}.safetensors"))
    (folder / f"{name}.json").write_text(json.dumps({"name": name, "kind": cfg.kind, "dataset": cfg.dataset,
                                                     "config": cfg.to_dict()}))


BB = ["--backbone", "resnet20"]  # the plumbing is the same for every backbone; ResNet-20 is the cheapest


@pytest.fixture
def shipped(tmp_path, cache_dir, monkeypatch):
    """A randomly initialised (untrained) ResNet-20 zoo and a tiny CIFAR-10, to test the plumbing."""
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path / "pt"))
    write_cifar_pickles(tmp_path / "cifar-10-batches-py", 10, n_train=20, n_test=24)
    prepare("cifar10", tmp_path / "cifar-10-batches-py")
    torch.manual_seed(0)
    net = build_backbone("resnet20")
    ship(net, "resnet20_cifar10", TrainConfig(name="resnet20_cifar10", backbone="resnet20"), tmp_path / "pt" / "split")
    multi = MultiSplitModel(net, ["SP-2", "SP-4"], k_max=16)
    cfg = TrainConfig(name="split_resnet20_cifar10", backbone="resnet20", kind="split", splits=["SP-2", "SP-4"],
                      k_max=16)
    ship(multi, "split_resnet20_cifar10", cfg, tmp_path / "pt" / "split")
    return tmp_path


def run_cli(args):
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = cli_main(args)
    return rc, buf.getvalue()


def test_evaluate_json_and_sweep_agree(shipped):
    rc, out = run_cli(["evaluate", *BB, "--split", "SP-4", "--k", "8", "--snr", "0", "--n", "24", "--seed", "3", "--json"])
    assert rc == 0
    one = json.loads(out)
    assert one["n"] == 24 and 0 <= one["accuracy"] <= 1 and one["k"] == 8
    csv = shipped / "sweep.csv"
    rc, _ = run_cli(["sweep", *BB, "--n", "24", "--seed", "3", "--out", str(csv)])
    table = pd.read_csv(csv)
    # SP-0 and SP-5 (ResNet-20's label) have one fixed k; SP-2/SP-4 every k up to k_max = 16; 6 SNRs each
    assert set(table.split) == {"SP-0", "SP-2", "SP-4", "SP-5"}
    assert len(table) == 6 * (1 + 5 + 5 + 1)
    row = table[(table.split == "SP-4") & (table.k == 8) & (table.snr_db == 0.0)].iloc[0]
    assert row.accuracy == one["accuracy"]  # same seed, same noise, same answer
    # the sweep transmits once per split and cuts the vector for each k from that: every k still
    # agrees with `evaluate`, which runs the transmitter at that k
    for split, k, snr in (("SP-2", 1, -5.0), ("SP-2", 16, 20.0), ("SP-4", 2, 3.0)):
        rc, out = run_cli(["evaluate", *BB, "--split", split, "--k", str(k), "--snr", str(snr), "--n", "24",
                           "--seed", "3", "--json"])
        row = table[(table.split == split) & (table.k == k) & (table.snr_db == snr)].iloc[0]
        assert rc == 0 and row.accuracy == json.loads(out)["accuracy"], (split, k, snr)
    rc, _ = run_cli(["sweep", *BB, "--n", "24", "--seed", "3", "--out", str(csv), "--resume"])
    assert len(pd.read_csv(csv)) == len(table)  # resume recomputes nothing
    rc, _ = run_cli(["sweep", *BB, "--n", "12", "--seed", "3", "--out", str(csv), "--resume", "--channels", "rayleigh"])
    mixed = pd.read_csv(csv)  # a new channel is added beside the old one, with its own n
    assert len(mixed) == 2 * len(table) and set(mixed[mixed.channel == "awgn"].n) == {24}
    assert set(mixed[mixed.channel == "rayleigh"].n) == {12}
    rc, _ = run_cli(["sweep", *BB, "--n", "12", "--seed", "3", "--out", str(csv), "--resume"])
    redone = pd.read_csv(csv)  # resuming with another n replaces those rows instead of keeping them
    assert len(redone) == len(mixed) and set(redone.n) == {12} and rc == 0


def test_evaluate_unsplit_and_errors(shipped, capsys):
    rc, out = run_cli(["evaluate", *BB, "--split", "none", "--n", "10", "--json"])
    assert rc == 0 and json.loads(out)["split"] == "none" and json.loads(out)["n"] == 10
    assert cli_main(["evaluate", *BB, "--split", "SP-3", "--n", "5"]) == 2  # no codec shipped for SP-3
    assert "SP-3" in capsys.readouterr().err
    assert cli_main(["evaluate", "--backbone", "resnet34", "--n", "5"]) == 1
    err = capsys.readouterr().err
    assert "configs/split_resnet34_cifar10.toml" in err and "Traceback" not in err


def test_sweep_refresh_remeasures_a_splits_rows_in_place(shipped, capsys):
    """After a split's model is retrained, `sweep --splits SP --refresh` measures that split's rows again,
    each at its own n and seed (a table mixes 1,000-image rows with 10,000-image target points), in
    place; the other splits' rows are left as they are."""
    csv = shipped / "sweep.csv"
    run_cli(["sweep", *BB, "--n", "24", "--seed", "3", "--out", str(csv), "--splits", "SP-2", "SP-4"])
    run_cli(["sweep", *BB, "--n", "12", "--seed", "1", "--out", str(csv), "--resume", "--splits", "SP-2",
             "--channels", "rayleigh"])
    truth = pd.read_csv(csv)
    # one point of SP-2 measured on another number of images, as a target point is
    _, out = run_cli(["evaluate", *BB, "--split", "SP-2", "--k", "8", "--snr", "5", "--n", "20", "--seed", "3",
                      "--json"])
    target = (truth.split == "SP-2") & (truth.k == 8) & (truth.snr_db == 5.0) & (truth.channel == "awgn")
    assert target.sum() == 1
    truth.loc[target, ["n", "accuracy"]] = [20, json.loads(out)["accuracy"]]
    stale = truth.copy()
    stale["accuracy"] = -1.0  # what a retrained model would make out of date (SP-4's rows too: kept stale)
    stale.to_csv(csv, index=False)
    rc, _ = run_cli(["sweep", *BB, "--out", str(csv), "--splits", "SP-2", "--refresh"])
    got = pd.read_csv(csv)
    assert rc == 0 and len(got) == len(truth)
    key = ["split", "k", "channel", "snr_db", "n", "seed"]
    assert got[key].equals(truth[key])  # same rows, same order, same n and seed each
    sp2 = got.split == "SP-2"
    assert sp2.sum() == 5 * 6 * 2 and (got[sp2].accuracy == truth[sp2].accuracy).all()
    assert (got[~sp2].accuracy == -1.0).all()
    assert cli_main(["sweep", *BB, "--out", str(csv), "--refresh"]) == 2  # which splits?
    assert cli_main(["sweep", *BB, "--out", str(csv), "--splits", "SP-3", "--refresh"]) == 2
    assert "no rows of SP-3" in capsys.readouterr().err
    assert cli_main(["sweep", *BB, "--out", str(shipped / "none.csv"), "--splits", "SP-2", "--refresh"]) == 2


def test_sweep_refresh_refuses_another_backbones_table_and_rows_it_cannot_measure(shipped, capsys):
    csv = shipped / "sweep.csv"
    run_cli(["sweep", *BB, "--n", "12", "--out", str(csv), "--splits", "SP-2"])
    table = pd.read_csv(csv)
    table.assign(backbone="resnet34").to_csv(csv, index=False)
    assert cli_main(["sweep", *BB, "--out", str(csv), "--splits", "SP-2", "--refresh"]) == 2
    assert "resnet34" in capsys.readouterr().err  # not filled with ResNet-20's numbers
    beyond = table.iloc[[0]].assign(k=32, accuracy=-1.0)  # a k above this model's k_max (16)
    pd.concat([table, beyond]).to_csv(csv, index=False)
    assert cli_main(["sweep", *BB, "--out", str(csv), "--splits", "SP-2", "--refresh"]) == 2
    assert "1 rows could not be measured again" in capsys.readouterr().err
    got = pd.read_csv(csv)
    assert (got.accuracy.iloc[:-1] == table.accuracy).all() and got.accuracy.iloc[-1] == -1.0
