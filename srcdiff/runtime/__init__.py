"""What generated code calls at run time: helpers and numeric kernels."""
