"""What every subcommand shares: exit codes, the error line, the ``--backend`` and ``--device`` options.

Private to :mod:`compsem.cli`. Nothing here imports more than the standard library, so
``compsem --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_BAD_INPUT = 0, 1


def fail(message: str) -> int:
    """Prints ``compsem: error: MESSAGE`` on stderr and returns the bad-input exit code (1)."""
    print(f"compsem: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def add_device(p: argparse.ArgumentParser, dtype: bool = True) -> None:
    """``--device`` (and ``--dtype``) of every command that runs a model (:mod:`compsem.models.devices`)."""
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda", "mps"],
        default="auto",
        help="where models run: auto picks a CUDA GPU, then Apple MPS, then the CPU (default auto); a GPU's "
        "scores are cached apart from the CPU's",
    )
    if dtype:
        p.add_argument(
            "--dtype",
            choices=["fp32", "fp16", "bf16"],
            default=None,
            help="number format on a GPU (default fp32; fp16/bf16 are faster there and cached apart)",
        )


def add_backend(p: argparse.ArgumentParser) -> None:
    """The ``--backend`` option of the commands that score with transformer models."""
    # The choices are spelled out here (not imported) so `compsem --help` stays instant.
    p.add_argument(
        "--backend",
        choices=["torch", "onnx-int8"],
        default="torch",
        help="torch: fp32 PyTorch, the study's numbers (default); onnx-int8: the transformer models "
        "exported once to int8 ONNX Runtime (several times faster, scores within the tolerance in "
        "docs/models.md)",
    )


def add_data_dir(p: argparse.ArgumentParser) -> None:
    """The ``--data-dir`` option (``--data`` is its older spelling) of the commands that read the datasets."""
    p.add_argument(
        "--data-dir",
        "--data",
        dest="data",
        metavar="DIR",
        help="folder holding sick/, stsb/ and mrpc/ (default: $COMPSEM_DATA_DIR, else ../shared/datasets "
        "beside the checkout when it exists)",
    )
