"""Build configuration beyond pyproject.toml: the optional C helper.

``compliance._native`` speeds up the column validator (see compliance/_native.c and
docs/performance.md). It is optional: where no C compiler is available the build goes on
without it and the validator uses polars alone, with the same verdicts.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "compliance._native",
            sources=["compliance/_native.c"],
            optional=True,
        )
    ]
)
