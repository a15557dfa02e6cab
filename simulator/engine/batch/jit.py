"""How the batch engine's kernels are compiled: by numba, cached on disk, and without
numba's reference counting of arrays (its `_nrt` option off).

A kernel takes its state as named tuples of arrays (state.py), and each array taken out of
a tuple was counted in and out with two atomic operations: on bench.yaml that was 40 % of
the clock's time (10.3 → 6.1 µs a replication with counting off, in interleaved runs). The
kernels never allocate an array (what they need as scratch space comes in with the state:
DepartureArrays.queue, .order and the clocks' heaps, ExitArrays.weights, settle's
`privately`), so nothing
needs counting: every array belongs to the Python caller for the whole call.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros as trailing_zeros
from numba.cpython.unsafe.numbers import viewer
from numba.extending import intrinsic

from simulator.engine.batch import cache
from simulator.engine.batch.memory import keep_freed_memory

numba.config.CACHE_DIR = str(cache.folder())  # before any kernel below is compiled
cache.remove_others(Path(numba.config.CACHE_DIR))
keep_freed_memory()  # a process that runs kernels runs chunks

kernel = njit(cache=True, _nrt=False)  # called from Python
# Called from kernels only: without the wrappers that let Python call a function (each
# unboxes or boxes every array of its named tuples), which were a third of a cold compile.
step = njit(cache=True, _nrt=False, no_cpython_wrapper=True, no_cfunc_wrapper=True)
_entries: dict = {}  # (kernel, the arguments' layout) → its compiled code (entry_point)


def entry_point(function, args: tuple):
    """The compiled code of kernel `function` for arguments laid out as `args`, to call
    directly. Numba's dispatch finds the compiled version for the arguments' types at each
    call: about 18 µs for a month's 150 arrays, against 3 µs for the call itself, and the
    clock calls the month's kernel once per month of every chunk. Resolved once per layout
    (array dtypes, dimensions, flags: all numba's types depend on) with Dispatcher.compile,
    which loads or compiles it."""
    key = (function, _layout(args))
    entry = _entries.get(key)
    if entry is None:
        entry = _entries[key] = function.compile(tuple(numba.typeof(a) for a in args))
    return entry


def _layout(x):
    if isinstance(x, np.ndarray):
        f = x.flags
        return x.dtype.str, x.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned
    if isinstance(x, tuple):
        return type(x), tuple(_layout(y) for y in x)
    return type(x)


inline = njit(cache=True, _nrt=False, inline="always")  # for the kernels' small steps

# u64(t): an index numba knows is not negative. With a signed one, each a[t] first checks
# whether t < 0, to wrap it around as Python does, and a loop over months does not compile
# to vector instructions: 26.6 against 9.5 ns for a month-by-month row of 72.
u64 = np.uint64
i64 = np.int64  # back from unsigned: numba makes a float of int64 and uint64 mixed
# trailing_zeros (numba's intrinsic, imported above): the index of an integer's lowest set
# bit (LLVM's cttz), by which a set of months kept as bits is read back in order


@inline
def float_bits(x):
    """The bits of float x as a signed integer: for x >= 0 (infinity included) in the same
    order as the floats, NaN's above infinity's."""
    return viewer(float(x), types.int64)


@inline
def bits_float(b):
    """The float whose bits are b (float_bits undone)."""
    return viewer(b, types.float64)


@intrinsic
def prefetch(typingctx, array, row, offset):
    """Ask the processor to bring the cache line at byte `offset` of row `row` of `array`
    (its first axis) into its caches, without waiting for it (LLVM's prefetch: a hint, no
    fault, no result)."""

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        stride = cgutils.unpack_tuple(builder, ary.strides)[0]
        intp = context.get_value_type(types.intp)
        row_ = context.cast(builder, args[1], sig.args[1], types.intp)
        off = context.cast(builder, args[2], sig.args[2], types.intp)
        at = builder.add(builder.mul(row_, stride), off)
        at = builder.add(builder.ptrtoint(ary.data, intp), at)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        hint = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), (i8p, i32, i32, i32))
        )
        # read, keep in every level, data
        builder.call(hint, (builder.inttoptr(at, i8p), i32(0), i32(3), i32(1)))
        return context.get_dummy_value()

    return types.void(array, row, offset), codegen
