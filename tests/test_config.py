import pytest
import yaml

from repro.config import ConfigError, load_config, resolve_config

GOOD = "paper_configs/goodfellow2014_mnist.yaml"


def raw(configs):
    return yaml.safe_load((configs / "goodfellow2014_mnist.yaml").read_text())


def test_profiles_change_only_length(configs):
    full = load_config(configs / "goodfellow2014_mnist.yaml")
    for profile in ("smoke", "quick", "paper"):
        cfg = load_config(configs / "goodfellow2014_mnist.yaml", profile)
        assert cfg["model_params"] == full["model_params"]
        assert {k: v for k, v in cfg["train"].items() if k not in ("epochs", "train_examples")} == \
               {k: v for k, v in full["train"].items() if k not in ("epochs", "train_examples")}
    assert load_config(configs / "goodfellow2014_mnist.yaml", "smoke")["train"]["epochs"] == 1


def test_unknown_key_is_named_with_close_match(configs):
    r = raw(configs)
    r["model_params"]["learning_rat"] = 0.1
    with pytest.raises(ConfigError, match=r"unknown config key 'model_params.learning_rat'.*'learning_rate'"):
        resolve_config(r)


def test_bad_type_and_range_and_choice(configs):
    r = raw(configs)
    r["train"]["batch_size"] = "hundred"
    with pytest.raises(ConfigError, match=r"'train.batch_size' is 'hundred'.*integer"):
        resolve_config(r)
    r = raw(configs)
    r["model_params"]["d_input_keep"] = 1.5
    with pytest.raises(ConfigError, match=r"'model_params.d_input_keep' is 1.5; allowed range"):
        resolve_config(r)
    r = raw(configs)
    r["model_params"]["update"] = "sometimes"
    with pytest.raises(ConfigError, match=r"'model_params.update'.*allowed: 'simultaneous', 'alternating'"):
        resolve_config(r)


def test_profile_may_not_change_the_recipe(configs):
    r = raw(configs)
    r["profiles"]["quick"]["model_params"] = {"learning_rate": 0.5}
    with pytest.raises(ConfigError, match="profile 'quick' sets 'model_params.learning_rate'"):
        resolve_config(r, "quick")


def test_unknown_profile_and_model(configs):
    with pytest.raises(ConfigError, match="no profile 'huge'"):
        resolve_config(raw(configs), "huge")
    r = raw(configs)
    r["model"] = "gan2099"
    with pytest.raises(ConfigError, match="known models"):
        resolve_config(r)


def test_k_needs_alternating(configs):
    r = raw(configs)
    r["model_params"]["k"] = 2
    with pytest.raises(ConfigError, match="'model_params.k' must be 1 with update: simultaneous"):
        resolve_config(r)
    r["model_params"]["update"] = "alternating"
    assert resolve_config(r)["model_params"]["k"] == 2
