"""
The Python tour
===============

The tour of README.md, the same code (tests/test_tour.py checks that README.md shows the
code below): the theory, a dataset, the three experiments with their default (local,
parallel) executor, and the learning curve fitted and extrapolated. It runs as a plain
script without an ``if __name__ == "__main__":`` guard, on standard input
(``python - < plot_python_tour.py``) and in a notebook. With its full configs it takes a
few minutes on two cores; with ``BADMINIMA_EXAMPLES_SMALL=1``, and in the gallery, it runs
small versions of them (about a minute).
"""

# sphinx_gallery_start_ignore
# Not part of the tour (hidden in the gallery; in one code block with the tour, so that the
# gallery keeps its working folder): a scratch working folder (the sweep writes digits.db
# there) and, with BADMINIMA_EXAMPLES_SMALL=1 or in the gallery, small versions of the three
# configs under their names (a config file in the working folder is read before the packaged
# config of the same name).
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.chdir(tempfile.mkdtemp(prefix="badminima-tour-"))
atexit.register(shutil.rmtree, os.getcwd(), True)
if os.environ.get("BADMINIMA_EXAMPLES_SMALL") == "1" or "sphinx_gallery" in sys.modules:
    Path("gc-separable-mlp").write_text("""name = "gc-separable-mlp"
[data]
dataset = "synthetic-mlp"
options = { dim = 4, n_classes = 2, n_train = 500, n_test = 1000, teacher_hidden = [4] }
[model]
arch = "mlp"
widths = [8]
[sampling]
K = 4000
chunk_size = 1000
R = 4
n_max = 12
[theory]
density = "empirical"
eps0 = 0.3
hist_n = [0, 4, 8]
""")
    Path("gibbs-perceptron").write_text("""name = "gibbs-perceptron"
[grid]
dims = [10]
alphas = [0.5, 2.0]
training_sets = 2
[sampler]
chains = 2
samples = 10
[rejection]
samples = 2000
chunk = 1000
""")
    Path("digits-mlp").write_text("""name = "digits-mlp"
[data]
dataset = "digits"
[model]
arch = "mlp"
widths = [64]
[train]
batch_size = 64
max_epochs = 200
[sweep]
sizes = [25, 50, 100, 200]
seeds = [0, 1]
batch_seeds = true
""")
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt
import numpy as np

import badminima as bm

d = bm.Beta(2, 30)                                    # or any spec string: "beta:a=2,b=30"
d.learning_curve([0, 10, 100, 1e6]); d.bad_fraction(0.05, 100); d.bound(0.05, 100)
d.log_acceptance(100); d.posterior(100); d.sample_size(eps0=0.05, delta=0.01)
bm.learning_curve("perceptron:N=10", [1, 10, 100])    # the functions take specs too

data = bm.load_dataset("digits")
config = bm.load_config("gc-separable-mlp")           # a packaged config by name, or a TOML path
guess_check = bm.run_guess_check(config)              # local worker processes; no main guard needed
gibbs = bm.run_gibbs("gibbs-perceptron")              # the runners take names and paths too
bm.run_sweep("digits-mlp", "digits.db")               # resumable: finished runs stay in digits.db
n, errors = bm.load_learning_curve("digits.db")
fit = bm.LearningCurveFit("shifted-beta").fit(n, errors)
print(bm.plan_sample_size(fit, 0.05))
for report in bm.compare_models(n, errors, models=["shifted-beta", "pow3", "exp3"]):
    print(report.model, "extrapolation error", report.extrapolation_error)

grid = np.unique(np.geomspace(n.min(), 100 * n.max(), 50).round())
plt.loglog(n, errors, "o", label="measured")
plt.loglog(grid, fit.predict(grid), label="shifted-beta fit")
plt.xlabel("training-set size n"); plt.ylabel("test error"); plt.legend()
plt.show()
