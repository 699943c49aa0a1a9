"""Rules of the cdf kernels of scipy.stats (kernels_stats): the derivative in z is the density, the one in
the shape parameters a series (runtime/kernels_incomplete)."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821
from ..runtime.kernels_stats import (beta_cdf, beta_cdf_da, beta_cdf_db, beta_density, beta_sf, dirichlet_check,
                                     gamma_cdf, gamma_cdf_da, gamma_density, gamma_sf, mvn_batch_shape, mvn_dimension,
                                     t_cdf, t_cdf_ddf, t_density)
from .registry import nondifferentiable, self_adjoint


@self_adjoint(t_cdf, elementwise=True)
def _adjoint_t_cdf(y, z, df):
    d[z] = d[y] * t_density(z, df)
    d[df] = d[y] * t_cdf_ddf(z, df)


@self_adjoint(gamma_cdf, elementwise=True)
def _adjoint_gamma_cdf(y, z, a):
    d[z] = d[y] * gamma_density(z, a)
    d[a] = d[y] * gamma_cdf_da(z, a)


@self_adjoint(gamma_sf, elementwise=True)
def _adjoint_gamma_sf(y, z, a):
    d[z] = -d[y] * gamma_density(z, a)
    d[a] = -d[y] * gamma_cdf_da(z, a)


@self_adjoint(beta_cdf, elementwise=True)
def _adjoint_beta_cdf(y, z, a, b):
    d[z] = d[y] * beta_density(z, a, b)
    d[a] = d[y] * beta_cdf_da(z, a, b)
    d[b] = d[y] * beta_cdf_db(z, a, b)


@self_adjoint(beta_sf, elementwise=True)
def _adjoint_beta_sf(y, z, a, b):
    d[z] = -d[y] * beta_density(z, a, b)
    d[a] = -d[y] * beta_cdf_da(z, a, b)
    d[b] = -d[y] * beta_cdf_db(z, a, b)


nondifferentiable(mvn_dimension, mvn_batch_shape, dirichlet_check)
