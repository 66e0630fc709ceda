"""An MPI program that needs no compiler: Python's ctypes on Open MPI's own libmpi.

Every rank contributes rank + 1 to an MPI_Allreduce(MPI_SUM) over MPI_COMM_WORLD and prints the
sum (size * (size + 1) / 2 when every rank took part) with the gang member it runs in.
"""
import ctypes
import os
import socket

mpi = ctypes.CDLL("libmpi.so.40", mode=ctypes.RTLD_GLOBAL)  # Open MPI 4's ABI; plugins need RTLD_GLOBAL


def handle(name):
    """MPI_COMM_WORLD, MPI_INT, MPI_SUM are addresses of these globals in Open MPI."""
    return ctypes.c_void_p(ctypes.addressof(ctypes.c_char.in_dll(mpi, name)))


world, mpi_int, mpi_sum = handle("ompi_mpi_comm_world"), handle("ompi_mpi_int"), handle("ompi_mpi_op_sum")
mpi.MPI_Init(None, None)
rank, size = ctypes.c_int(), ctypes.c_int()
mpi.MPI_Comm_rank(world, ctypes.byref(rank))
mpi.MPI_Comm_size(world, ctypes.byref(size))
mine, total = ctypes.c_int(rank.value + 1), ctypes.c_int()
mpi.MPI_Allreduce(ctypes.byref(mine), ctypes.byref(total), 1, mpi_int, mpi_sum, world)
print(f"rank {rank.value} of {size.value} in gang member {os.environ.get('GANG_RANK', '?')} "
      f"on {socket.gethostname()} (pid {os.getpid()}): allreduce sum {total.value}", flush=True)
mpi.MPI_Finalize()
