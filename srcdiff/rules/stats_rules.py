"""Rules of the x-only cdf kernels of scipy.stats (kernels_stats): the derivative in z is the density;
the one in the shape parameters has no closed form and is refused."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821
from ..runtime.kernels_stats import (FIX, beta_cdf, beta_density, beta_sf, dirichlet_check, gamma_cdf, gamma_density,
                                     gamma_sf, mvn_batch_shape, mvn_dimension, t_cdf, t_density)
from .registry import nondifferentiable, self_adjoint
from .refusals import refuse_derivative


def _problem(what):
    return "srcdiff has no derivative of %s: it has no closed form in the functions srcdiff has rules for" % what


@self_adjoint(t_cdf, elementwise=True)
def _adjoint_t_cdf(y, z, df):
    d[z] = d[y] * t_density(z, df)


@self_adjoint(gamma_cdf, elementwise=True)
def _adjoint_gamma_cdf(y, z, a):
    d[z] = d[y] * gamma_density(z, a)


@self_adjoint(gamma_sf, elementwise=True)
def _adjoint_gamma_sf(y, z, a):
    d[z] = -d[y] * gamma_density(z, a)


@self_adjoint(beta_cdf, elementwise=True)
def _adjoint_beta_cdf(y, z, a, b):
    d[z] = d[y] * beta_density(z, a, b)


@self_adjoint(beta_sf, elementwise=True)
def _adjoint_beta_sf(y, z, a, b):
    d[z] = -d[y] * beta_density(z, a, b)


refuse_derivative(t_cdf, ["df"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.t with respect to df"), FIX)
for _fn in (gamma_cdf, gamma_sf):
    refuse_derivative(_fn, ["a"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.gamma or chi2 with respect "
                                           "to its shape (a or df)"), FIX)
for _fn in (beta_cdf, beta_sf):
    refuse_derivative(_fn, ["a", "b"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.beta with respect to "
                                                "a or b"), FIX)
nondifferentiable(mvn_dimension, mvn_batch_shape, dirichlet_check)
