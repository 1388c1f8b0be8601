"""Whether an MPI launcher started this process, read from the environment alone.

`strided.distributed.world()` uses MPI only when a launcher started this process as one of
several ranks; this module tells that without importing mpi4py (which would initialise MPI).
Each launcher leaves its own variables in every rank's environment:

    MPICH / Intel MPI (Hydra mpiexec), srun --mpi=pmi2    PMI_RANK, PMI_SIZE
    Open MPI (mpirun, mpiexec)                            OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
    MVAPICH2                                              MV2_COMM_WORLD_RANK, MV2_COMM_WORLD_SIZE
    a PMIx launcher (srun --mpi=pmix, prterun)            PMIX_RANK, the size from Slurm's
                                                          SLURM_STEP_NUM_TASKS / SLURM_NTASKS
"""

import os

# (launcher, rank variable, size variable), in the order they are tried
_PAIRS = (
    ("Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("MVAPICH2", "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),
    ("PMI (MPICH's mpiexec, srun --mpi=pmi2)", "PMI_RANK", "PMI_SIZE"),
)
_SLURM_SIZES = ("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS")


class Launch:
    """How this process was launched: `launcher` (a name for messages), `rank`, `size`, and
    `variables` (the environment variables that said so, "NAME=value", for messages)."""

    def __init__(self, launcher, rank, size, variables):
        self.launcher = launcher
        self.rank = rank
        self.size = size
        self.variables = variables

    def __repr__(self):
        return f"Launch({self.launcher!r}, rank={self.rank}, size={self.size})"


def _integer(environment, name):
    try:
        return int(environment.get(name, ""))
    except ValueError:
        return None


def detect(environment=None):
    """The `Launch` this process's environment describes, or None when no MPI launcher
    started it (a plain `python train.py`)."""
    environment = os.environ if environment is None else environment
    for launcher, rank_name, size_name in _PAIRS:
        rank, size = _integer(environment, rank_name), _integer(environment, size_name)
        if rank is not None and size is not None:
            return Launch(launcher, rank, size, [f"{rank_name}={rank}", f"{size_name}={size}"])
    if "PMIX_RANK" in environment:
        rank = _integer(environment, "PMIX_RANK")
        for size_name in _SLURM_SIZES:
            size = _integer(environment, size_name)
            if size is not None:
                return Launch("PMIx", rank, size, [f"PMIX_RANK={rank}", f"{size_name}={size}"])
        # PMIx names no size: MPI itself will tell; count it as several ranks
        return Launch("PMIx", rank, None, [f"PMIX_RANK={rank}"])
    return None


def launched_with_several_ranks(environment=None):
    """The `Launch` when an MPI launcher started this process as one of two or more ranks
    (or of an unknown number), else None."""
    launch = detect(environment)
    if launch is None or (launch.size is not None and launch.size < 2):
        return None
    return launch


__all__ = ["Launch", "detect", "launched_with_several_ranks"]
