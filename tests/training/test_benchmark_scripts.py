"""The training benchmarks' FLOP counting and the GPU check's refusal without CUDA."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from badminima.training import NetworkSpec, build_model

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    import sys
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load("bench_training")


def test_flops_counted_from_the_architecture(bench):
    mlp = build_model(NetworkSpec(widths=(1024, 1024)), (1, 28, 28), 10, 0)
    fwd, first = bench.forward_flops(mlp, (1, 28, 28))
    assert first == 2 * 784 * 1024 and fwd == 2 * (784 * 1024 + 1024 * 1024 + 1024 * 10)
    cnn = build_model(NetworkSpec(arch="cnn", channels=(32, 64), hidden=128), (1, 28, 28), 10, 0)
    fwd, first = bench.forward_flops(cnn, (1, 28, 28))
    assert first == 2 * 1 * 32 * 9 * 28 * 28
    assert fwd == first + 2 * 32 * 64 * 9 * 14 * 14 + 2 * 64 * 7 * 7 * 128 + 2 * 128 * 10
    # training counts forward + weight gradients + input gradients except at the first layer
    n_fwd, n_first = bench.forward_flops(mlp, (1, 28, 28))
    assert bench.epoch_flops(mlp, (1, 28, 28), 100, 50, 3) == 3 * (100 * (3 * n_fwd - n_first) + 150 * n_fwd)


def test_epoch_extrapolation_recovers_a_power_law(bench):
    epochs = {n: 0.01 * n ** 0.7 for n in (1000, 2000, 5000, 10000, 20000)}
    assert bench.extrapolate_epochs(epochs, 60000) == pytest.approx(0.01 * 60000 ** 0.7, rel=1e-9)
    recorded = bench.recorded_epochs(BENCHMARKS.parent / "docs" / "results-data" / "mnist-mlp-runs.csv")
    assert set(recorded) >= {50, 20000} and all(v >= 1 for v in recorded.values())


def test_gemm_rate_is_positive(bench):
    assert bench.gemm_rate(128, seconds=0.01) > 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without CUDA")
def test_gpu_check_refuses_cleanly_without_cuda(capsys):
    gpu_check = _load("gpu_check")
    assert gpu_check.main([]) == gpu_check.NO_CUDA_STATUS
    err = capsys.readouterr().err
    assert "no CUDA device" in err and err.count("\n") == 1


def test_gpu_check_guess_check_agrees_across_devices_on_cpu(tmp_path):
    gpu_check = _load("gpu_check")
    r = gpu_check.guess_check(tmp_path, "cpu", size=200, check_size=100)
    assert r["source"].startswith("random inputs") and r["K"] == 200
    assert r["cpu_agreement"]["first_mistake_equal"] == 1.0
    assert np.isfinite(r["K_per_s"])


def test_flat_fraction_keys(bench):
    result = {"by_threads": {"1": {"training": {"mnist-mlp n=5000": {"fraction_of_gemm": 0.3},
                                                "mnist-cnn": {"fraction_of_gemm": 0.2}}},
                             "2": {"training": {"mnist-mlp n=5000": {"fraction_of_gemm": 0.5},
                                                "mnist-cnn": {"fraction_of_gemm": 0.4}}}}}
    assert bench.flat_fractions(result) == {
        "fraction_of_gemm_mnist-mlp_n5000_t1": 0.3, "fraction_of_gemm_mnist-cnn_t1": 0.2,
        "fraction_of_gemm_mnist-mlp_n5000_t2": 0.5, "fraction_of_gemm_mnist-cnn_t2": 0.4,
        "fraction_of_gemm_mnist-mlp_n5000": 0.5, "fraction_of_gemm_mnist-cnn": 0.4}
    assert {bench.case_key(label) for label, *_ in bench.CASES} == {
        "mnist-mlp_n5000", "mnist-mlp_n20000", "mnist-cnn", "cifar10-cnn"}
