"""The MNIST classifier's cache: two processes (or threads) that need it at once train it once."""
import threading
import time

from repro.metrics import classifier


def test_two_first_users_at_once_train_the_classifier_once(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_CACHE", str(tmp_path))
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
