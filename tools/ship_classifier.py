"""Writes repro/metrics/mnist_classifier_<VERSION>.npz, the MNIST classifier every machine scores samples with,
from the cached classifier (training it first if there is none). Needed only after build_classifier or its
training changed (and VERSION with it): the shipped file is then absent and the suite trains and caches its own.

    python tools/ship_classifier.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from repro.metrics import classifier  # noqa: E402

if classifier.SHIPPED.exists():
    sys.exit(f"{classifier.SHIPPED} exists: the suite scores with it. Bump classifier.VERSION to ship another.")
model = classifier.get_classifier(verbose=2)
path = classifier.ship(model, classifier.classifier_test_accuracy())
accuracy = classifier.classifier_test_accuracy()
print(f"wrote {path} (fingerprint {classifier.fingerprint(model)}, test accuracy {accuracy:.4f})")
