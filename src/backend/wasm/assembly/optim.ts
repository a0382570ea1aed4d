// Fused optimizer passes.

/**
 * Adam with per-element bias correction (see Backend.ts). The corrections 1 - p b are formed in f64: in f32,
 * 1 - f32(0.999) is off by 1e-5 relative, which would show in the first steps.
 */
export function adam(g: usize, m: usize, v: usize, p1: usize, p2: usize, n: i32, b1: f64, b2: f64, eps: f32): void {
  const vb1 = f32x4.splat(<f32>b1), vc1 = f32x4.splat(<f32>(1 - b1));
  const vb2 = f32x4.splat(<f32>b2), vc2 = f32x4.splat(<f32>(1 - b2));
  const db1 = f64x2.splat(b1), db2 = f64x2.splat(b2), one = f64x2.splat(1);
  const ve = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vc2, gi), gi));
    const q1 = v128.load(p1 + o), q2 = v128.load(p2 + o);
    const a1l = f64x2.mul(f64x2.promote_low_f32x4(q1), db1), a1h = f64x2.mul(f64x2.promote_low_f32x4(f32x4.shuffle(q1, q1, 2, 3, 2, 3)), db1);
    const a2l = f64x2.mul(f64x2.promote_low_f32x4(q2), db2), a2h = f64x2.mul(f64x2.promote_low_f32x4(f32x4.shuffle(q2, q2, 2, 3, 2, 3)), db2);
    const c1 = f32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.sub(one, a1l)), f32x4.demote_f64x2_zero(f64x2.sub(one, a1h)), 0, 1, 4, 5);
    const c2 = f32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.sub(one, a2l)), f32x4.demote_f64x2_zero(f64x2.sub(one, a2h)), 0, 1, 4, 5);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(p1 + o, f32x4.shuffle(f32x4.demote_f64x2_zero(a1l), f32x4.demote_f64x2_zero(a1h), 0, 1, 4, 5));
    v128.store(p2 + o, f32x4.shuffle(f32x4.demote_f64x2_zero(a2l), f32x4.demote_f64x2_zero(a2h), 0, 1, 4, 5));
    v128.store(g + o, f32x4.div(f32x4.div(mi, c1), f32x4.add(f32x4.sqrt(f32x4.div(vi, c2)), ve)));
  }
  const sb1 = <f32>b1, sc1 = <f32>(1 - b1), sb2 = <f32>b2, sc2 = <f32>(1 - b2);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = sb1 * load<f32>(m + o) + sc1 * gi;
    const vi = sb2 * load<f32>(v + o) + sc2 * gi * gi;
    const q1 = <f64>load<f32>(p1 + o) * b1, q2 = <f64>load<f32>(p2 + o) * b2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p1 + o, <f32>q1);
    store<f32>(p2 + o, <f32>q2);
    store<f32>(g + o, mi / <f32>(1 - q1) / (Mathf.sqrt(vi / <f32>(1 - q2)) + eps));
  }
}

/** buf = mu buf + g; g = buf, or g + mu buf (nesterov). */
export function momentum(g: usize, buf: usize, n: i32, mu: f32, nesterov: i32): void {
  const vm = f32x4.splat(mu);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const b = f32x4.add(f32x4.mul(vm, v128.load(buf + o)), gi);
    v128.store(buf + o, b);
    v128.store(g + o, nesterov ? f32x4.add(gi, f32x4.mul(vm, b)) : b);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const b = mu * load<f32>(buf + o) + gi;
    store<f32>(buf + o, b);
    store<f32>(g + o, nesterov ? gi + mu * b : b);
  }
}
