import re

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


def test_layer_sizes_must_be_a_non_empty_list_of_positive_integers(configs):
    for config, key in (("vae_mnist", "hidden"), ("autoencoder_mnist", "hidden"), ("cgan_mnist", "d_hidden"),
                        ("wgan_mnist", "critic_hidden"), ("toy1d_gaussian", "theory_d_hidden")):
        for bad in ([], [0], [16, -1], [2.5], [True]):
            with pytest.raises(ConfigError, match=rf"'model_params.{key}' must be a non-empty list of positive "
                                                  rf"integers; got {re.escape(repr(bad))}"):
                load_config(configs / f"{config}.yaml", "smoke", {"model_params": {key: bad}})


@pytest.mark.parametrize("config,wrong", [("vae_mnist", "symmetric"), ("autoencoder_mnist", "symmetric"),
                                          ("infogan_mnist", "symmetric"), ("cgan_mnist", "unit"),
                                          ("wgan_mnist", "unit"), ("keras_dcgan_mnist", "unit")])
def test_a_model_refuses_the_pixel_range_its_output_cannot_match(configs, config, wrong):
    right = {"unit": "symmetric", "symmetric": "unit"}[wrong]
    with pytest.raises(ConfigError, match=rf"^config key 'data.pixel_range' must be '{right}' for .+: .+\.$"):
        load_config(configs / f"{config}.yaml", "smoke", {"data": {"pixel_range": wrong}})
    assert load_config(configs / f"{config}.yaml", "smoke")["data"]["pixel_range"] == right


def test_a_run_folder_config_with_former_model_params_still_loads_and_resumes(configs, tmp_path):
    """The conditional GAN's and the WGAN's `monitor_every` (epochs between kept samples) is `keep_samples_every`
    now, and toy1d's unused `theory_batch` is gone: a run folder's config.yaml written before loads under the
    current names with the same recipe, so the run resumes."""
    from repro.config import dump_config, recipe_fingerprint
    from repro.train import load_saved_config

    for config, former, value in (("cgan_mnist", {"monitor_every": 0}, 0), ("wgan_mnist", {"monitor_every": 3}, 3),
                                  ("toy1d_gaussian", {"theory_batch": 1000}, None)):
        now = load_config(configs / f"{config}.yaml", "smoke")
        saved = yaml.safe_load(dump_config(now))
        saved["model_params"].pop("keep_samples_every", None)
        saved["model_params"].update(former)  # as the code before the rename wrote it
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(saved, sort_keys=False))
        loaded = load_saved_config(tmp_path / "config.yaml")
        if value is not None:
            assert loaded["model_params"]["keep_samples_every"] == value
            now["model_params"]["keep_samples_every"] = value
        assert "monitor_every" not in loaded["model_params"] and "theory_batch" not in loaded["model_params"]
        assert recipe_fingerprint(loaded) == recipe_fingerprint(now)
    both = raw_of(configs, "cgan_mnist")
    both["model_params"]["monitor_every"] = 1
    with pytest.raises(ConfigError, match="'model_params.monitor_every' is the former name of "
                                          "'model_params.keep_samples_every'; give only 'keep_samples_every'"):
        resolve_config(both)


def raw_of(configs, name):
    return yaml.safe_load((configs / f"{name}.yaml").read_text())
