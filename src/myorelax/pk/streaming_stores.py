# mypy: disable-error-code="no-untyped-def,no-untyped-call"
"""Two LLVM intrinsics for the compiled PK sweep (numba imported on first use): `_stream8`, a
non-temporal vector store of eight elements (the result is written without first reading each
cache line, so writing it costs no more than the memory-write floor), and `_fence`, an sfence
that orders those stores (a full fence on processors other than x86). `kernel.py` holds the plain
Python versions with the same names; these replace them when the kernels are compiled."""

from __future__ import annotations

import platform
from typing import Any


def compiled_intrinsics() -> dict[str, Any]:
    """`_stream8` and `_fence` as LLVM code (numba imported here): a non-temporal vector store
    of eight elements, and an sfence (a full fence on other processors)."""
    from llvmlite import ir  # type: ignore[import-untyped]
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def stream8(typingctx, dst, i, src, j):
        def codegen(context, builder, sig, args):
            dty, _, sty, _ = sig.args
            d = context.make_array(dty)(context, builder, args[0])
            s = context.make_array(sty)(context, builder, args[2])
            dp = cgutils.get_item_pointer(context, builder, dty, d, [args[1]], wraparound=False)
            sp = cgutils.get_item_pointer(context, builder, sty, s, [args[3]], wraparound=False)
            elt = context.get_value_type(dty.dtype)
            vec = ir.VectorType(elt, 8)
            size = context.get_abi_sizeof(elt)
            v = builder.load(builder.bitcast(sp, vec.as_pointer()), align=size)
            st = builder.store(v, builder.bitcast(dp, vec.as_pointer()), align=8 * size)
            one = builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
            st.set_metadata("nontemporal", one)
            return context.get_dummy_value()

        return types.void(dst, i, src, j), codegen

    x86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")

    @intrinsic
    def fence(typingctx):
        def codegen(context, builder, sig, args):
            if x86:
                fn = cgutils.get_or_insert_function(
                    builder.module, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse.sfence"
                )
                builder.call(fn, [])
            else:
                builder.fence("seq_cst")
            return context.get_dummy_value()

        return types.void(), codegen

    return {"_stream8": stream8, "_fence": fence}
