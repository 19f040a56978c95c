"""`python -m repro verify` for the PixelCNN: its model file (written by export-generator, the whole network in
float16 or float32) re-scores the exact test NLL the run's summary records; an edited record fails; the file is
small and says which number it was checked against."""
import json

import numpy as np
import pytest

from repro.cli import main
from repro.config import load_config

RUN = "pixelcnn_binarized_mnist-quick"  # the name the pixelcnn-quick check looks for (a smoke-sized run here)


def verify(capsys, *args):
    code = main(["verify", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def measured_row(out, name):
    line = next(line for line in out.splitlines() if line.startswith(name + " "))
    return line.split()


@pytest.fixture(scope="module")
def shipped(configs, mnist_dir, tmp_path_factory):
    """A smoke-sized PixelCNN trained, evaluated into its own results folder and exported as verify expects."""
    from repro.evaluate import evaluate_run, export_generator
    from repro.train import train

    base = tmp_path_factory.mktemp("pixelcnn_verify")
    results = base / "results"
    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 8, "residual_blocks": 2}})
    run_dir = train(cfg, base / "runs" / RUN, data_dir=mnist_dir, verbose=0)
    evaluate_run(run_dir, data_dir=mnist_dir, results_dir=results)
    out, dtype, full, half = export_generator(run_dir, results / "generators" / f"{RUN}.npz", data_dir=mnist_dir)
    return results, out, dtype, full, half


def test_the_stored_network_is_the_whole_model_and_checkpoints_keep_their_layout(configs, tmp_path):
    from repro.experiments.pixelcnn.model import PixelCNN

    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 4, "residual_blocks": 1}})
    model = PixelCNN(cfg)
    model.compile()
    model.build_all()
    assert model.generator is model.net
    # Keras files weights under the first attribute name in dir() order: "generator" must not be one, or every
    # checkpoint written before it existed (the network's weights under "layers/...") would no longer load
    assert "generator" not in dir(model)
    model.save_weights(tmp_path / "w.weights.h5")
    import h5py

    with h5py.File(tmp_path / "w.weights.h5") as f:
        names = []
        f.visit(names.append)
    assert any(n.startswith("layers/functional/") for n in names) and not any("generator" in n for n in names)


def test_the_model_file_holds_the_network_and_the_numbers_it_was_checked_with(shipped):
    results, path, dtype, full, half = shipped
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        stored = {data[k].dtype for k in data.files if k != "meta"}
    assert meta["networks"] == ["generator"] and stored == {np.dtype(dtype)}
    # float16 only where rounding moves the exact NLL by less than the tolerance (0.1 nat)
    assert (dtype == "float16") == (abs(half["ll"] - full["ll"]) < 0.1)
    src = meta["source"]
    assert src["test_nll_float32"]["nll"] == pytest.approx(-full["ll"])
    assert src["test_nll_stored"]["nll"] == pytest.approx(-(half if dtype == "float16" else full)["ll"])
    summary = json.loads((results / "runs" / f"{RUN}.json").read_text())
    # the float32 score of the export is the number evaluate recorded (the same function, the same weights)
    assert src["test_nll_float32"]["nll"] == pytest.approx(summary["metrics"]["test_nll"]["nll"], rel=1e-6)


def test_verify_re_scores_the_exact_nll_from_the_file(shipped, capsys, mnist_dir):
    results, path, dtype, full, half = shipped
    code, out, _ = verify(capsys, "pixelcnn-quick", "--results", results, "--data-dir", mnist_dir)
    assert code == 0, out
    cells = measured_row(out, "pixelcnn-quick")
    assert "PASS" in cells, out
    stored = (half if dtype == "float16" else full)["ll"]
    assert f"{-stored:.2f}" in cells  # measured now: the NLL of the weights as stored


def test_an_edited_record_fails(shipped, capsys, mnist_dir, tmp_path):
    import shutil

    results, *_ = shipped
    edited = tmp_path / "results"
    shutil.copytree(results, edited)
    summary_path = edited / "runs" / f"{RUN}.json"
    summary = json.loads(summary_path.read_text())
    summary["metrics"]["test_nll"]["nll"] -= 3 * summary["metrics"]["test_nll"]["se"]  # a better number typed in
    summary_path.write_text(json.dumps(summary))
    code, out, _ = verify(capsys, "pixelcnn-quick", "--results", edited, "--data-dir", mnist_dir)
    assert code == 1 and "FAIL" in measured_row(out, "pixelcnn-quick"), out


def test_the_paper_check_is_declared_and_says_how_to_ship_it(shipped, capsys):
    results, *_ = shipped
    code, out, _ = verify(capsys, "--results", results)
    shipped_part, _, rest = out.partition("Declared but not checkable here:")
    assert code == 0 and "pixelcnn-quick" in shipped_part and "pixelcnn-paper" in rest
