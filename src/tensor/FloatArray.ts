/** The storage of every tensor: float32 in training, float64 in the reference backend used by gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** A constructor for either storage type. */
export type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;
