"""keras-dcgan (jacobgil), the DC-GAN of the book chapter “VAE, GAN and variants” on MNIST (Figs. 10-6 to 10-12):
model.py is the model; experiment.py what is recorded during training, the numbers for results/runs/*.json, the
figures and the report section."""
from repro.experiments.keras_dcgan import experiment
from repro.experiments.keras_dcgan.model import KerasDCGAN
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, SampleOption, register

register(Experiment(
    "keras_dcgan",
    models={"keras_dcgan": KerasDCGAN},
    run_figures={"keras_dcgan": RunFigures(experiment.run_figures, need_data=False)},
    summary_figures=(experiment.summary_figures,),
    evaluators=(Evaluator("metrics", experiment.final_metrics, models=("keras_dcgan",)),),
    history_columns=("d_loss", "g_loss", "d_real", "d_fake"),
    sample_options=(SampleOption("--nice", "nice", "keras-dcgan's --nice: keep the best 5%% of 20x as many by D"),),
    generator_datasets=("mnist",),
    report_sections=(experiment.report_section,),
    quick_metrics={"keras_dcgan_mnist": [QuickMetric("test Parzen log-likelihood (nats)", "parzen.ll", "higher")]},
    claims=(
        Claim("keras-dcgan (jacobgil)", "generator and discriminator parameter counts", ("keras_dcgan.parameters.*",),
              reported="6,763,777 / 3,485,441", runs="the model as built", section="keras-dcgan"),
        Claim("keras-dcgan (jacobgil)", "samples become mostly 1s without --nice", ("keras_dcgan.mostly_ones.paper",),
              runs="needs the 100-epoch run", figure="figures/keras_dcgan_mnist-quick-class_histograms.png",
              section="keras-dcgan"),
    ),
    # the final metrics rank samples by D as well (--nice): a file holding G and D (export-generator --with
    # discriminator)
    checks=(Check("keras-dcgan-mostly-ones", "keras-dcgan users: a full-length run without --nice gives mostly 1s "
                  "(share the suite's MNIST classifier labels 1)", experiment.paper_run,
                  "keras_dcgan.mostly_ones.{run}", number=experiment.share_of_ones,
                  export="python -m repro export-generator runs/{run} --with discriminator",
                  unit="share", measures=("metrics",), needs=("generator", "discriminator")),),
))
