"""Shape-annotated array aliases shared across the library.

Dimension names:

- `time`: rows of a price series (minutes, or coarse steps after chunking);
- `asset`: the pool's tokens;
- `#asset`: a per-asset vector that may also have length one and broadcast.

Runtime checking of these annotations is switched on for the test run only (through
jaxtyping's pytest hook with beartype); library code is not decorated.
"""

from collections.abc import Sequence
from typing import TypeAlias

from jaxtyping import Array, ArrayLike, Bool, Float, Real

#: Prices, one row per time step and one column per asset.
Prices: TypeAlias = Float[Array, "time asset"]
#: Prices as a user may pass them (a NumPy array, a nested list of numbers, ...).
PricesLike: TypeAlias = Real[ArrayLike, "time asset"]
#: One price (or any per-asset quantity) per asset.
AssetVector: TypeAlias = Float[Array, " asset"]
#: A per-asset vector as a user may pass it.
AssetVectorLike: TypeAlias = Real[ArrayLike, " asset"]
#: A per-asset parameter: a vector of length `n_assets`, a length-1 vector, or a scalar.
AssetParam: TypeAlias = Float[Array, "#asset"] | Float[Array, ""]
#: A per-asset parameter as a user may pass it (Python floats included).
AssetParamLike: TypeAlias = Real[ArrayLike, "#asset"] | Real[ArrayLike, ""]
#: A per-asset value in human units: a number, a sequence of numbers or an array.
HumanValues: TypeAlias = AssetParamLike | Sequence[int | float]
#: Per-asset values in human units, one per asset (a sequence of numbers or an array).
HumanVector: TypeAlias = AssetVectorLike | Sequence[int | float]
#: Any floating array, of any shape (element-wise transforms).
FloatArray: TypeAlias = Float[Array, "..."]
#: Any real array-like, of any shape (inputs of element-wise transforms).
RealLike: TypeAlias = Real[ArrayLike, "..."]
#: A scalar.
Scalar: TypeAlias = Float[Array, ""]
#: A scalar as a user may pass it.
ScalarLike: TypeAlias = Real[ArrayLike, ""]
#: A boolean array of any shape.
BoolArray: TypeAlias = Bool[Array, "..."]
