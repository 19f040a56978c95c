"""The MNIST classifier: the shipped one scores every machine's samples alike; without it, two processes (or
threads) that need it at once train it once."""
import threading
import time

import numpy as np

from repro.metrics import classifier


def test_the_shipped_classifier_is_the_one_used_and_reaches_its_recorded_accuracy(mnist_dir):
    from repro.data.mnist import load_mnist

    assert classifier.SHIPPED.exists()
    model = classifier.get_classifier()
    with np.load(classifier.SHIPPED) as f:
        assert all(np.array_equal(w, f[f"w{i}"]) for i, w in enumerate(model.get_weights()))
    m = load_mnist(mnist_dir)
    predicted = np.argmax(classifier.logits(m["test_x"][..., None] / 255.0, model), axis=1)
    accuracy = float(np.mean(predicted == m["test_y"]))
    assert accuracy >= classifier.ACCURACY_FLOOR
    assert abs(accuracy - classifier.classifier_test_accuracy()) < 2e-4  # as recorded when it was shipped


def test_scores_name_the_classifier_that_measured_them(mnist_dir, tmp_path):
    model = classifier.get_classifier()
    images = np.random.default_rng(0).random((50, 28, 28, 1)).astype(np.float32)
    assert classifier.sample_metrics(images, mnist_dir, model)["classifier"] == classifier.fingerprint(model)
    other = classifier.build_classifier()
    weights = model.get_weights()
    weights[-1] = weights[-1] + np.float32(1e-3)  # one bias moved a little: another classifier
    other.set_weights(weights)
    assert classifier.fingerprint(other) != classifier.fingerprint(model)
    # shipping writes back the very weights
    path = classifier.ship(model, 0.995, tmp_path / "c.npz")
    with np.load(path) as f:
        assert float(f["test_accuracy"]) == 0.995
        assert all(np.array_equal(w, f[f"w{i}"]) for i, w in enumerate(model.get_weights()))


def test_two_first_users_at_once_train_the_classifier_once(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_CACHE", str(tmp_path))
    monkeypatch.setattr(classifier, "SHIPPED", tmp_path / "not-shipped.npz")  # the fallback: train and cache
    calls = []

    def fake_train(model, path, meta, data_dir, epochs, verbose):  # stands for the 3-minute training
        calls.append(threading.get_ident())
        time.sleep(0.5)  # the other user arrives while this one trains
        model.save_weights(path)
        meta.write_text('{"test_accuracy": 0.99, "epochs": 0}')
        return model

    monkeypatch.setattr(classifier, "_train_and_cache", fake_train)
    models, errors = [], []

    def use():
        try:
            models.append(classifier.get_classifier())
        except Exception as e:  # noqa: BLE001  reported by the assert below
            errors.append(e)

    users = [threading.Thread(target=use) for _ in range(2)]
    for u in users:
        u.start()
    for u in users:
        u.join()
    assert not errors and len(models) == 2 and len(calls) == 1  # the second waited and loaded the first's weights
    assert classifier.classifier_test_accuracy() == 0.99


def test_the_report_names_summaries_scored_by_another_classifier(tmp_path):
    import json

    from repro.report import classifier_paragraph
    from repro.results import reset_damaged

    runs = tmp_path / "runs"
    runs.mkdir()
    shipped = classifier.shipped_fingerprint()
    for name, samples in [("a-quick", {"classifier": shipped, "classifier_score": 5.0}),
                          ("b-quick", {"classifier_score": 4.0}),  # scored before the classifier shipped
                          ("c-quick", {"classifier": "0123456789ab", "classifier_score": 4.0})]:
        summary = {"run": name, "experiment": "vae_mnist", "model": "vae", "profile": "quick", "recipe": {},
                   "checkpoint": {}, "parzen": None, "metrics": {"samples": samples}, "history": [],
                   "epochs_trained": 1}
        (runs / f"{name}.json").write_text(json.dumps(summary))
    reset_damaged()
    text = classifier_paragraph(tmp_path)
    assert f"fingerprint `{shipped}`" in text and "1 of 3 summaries" in text
    assert "`b-quick`, `c-quick`" in text and "`a-quick`" not in text


def test_the_report_says_when_no_classifier_ships(tmp_path, monkeypatch):
    from repro.report import classifier_paragraph

    monkeypatch.setattr(classifier, "SHIPPED", tmp_path / "not-shipped.npz")
    monkeypatch.setenv("REPRO_CACHE", str(tmp_path))  # nothing cached either: no accuracy to state
    assert "none ships with this version" in classifier_paragraph(tmp_path)
