/* Elementwise ops: NumPy 2 promotion with Lua numbers as weak scalars, broadcasting, `out`,
 * the arithmetic metamethods, and cu.<op> / a:<op> for every op of ops.def. */
#include <string.h>
#include "scalar.h"
#include "core.h"
#include "ops.h"

const char *const ca_op_names[] = {
#define CA_UNARY(name, rule) #name,
#define CA_BINARY(name, rule) #name,
#define CA_REDUCE(name, rule) #name,
#define CA_UNARY2(name, rule) #name,
#define CA_BINARY2(name, rule) #name,
#include "ops.def"
};

const ca_rule ca_op_rules[] = {
#define CA_UNARY(name, rule) rule,
#define CA_BINARY(name, rule) rule,
#define CA_REDUCE(name, rule) rule,
#define CA_UNARY2(name, rule) rule,
#define CA_BINARY2(name, rule) rule,
#include "ops.def"
};

/* An operand as the user gave it: an array, or a Lua number/boolean (a weak scalar). */
typedef struct operand {
  ca_array *arr;
  int weak;        /* 0: array; 'i' integral number; 'f' other number; 'b' boolean; 'c' a
                      complex value (lua/cuarray/complex.lua); 'u' a LuaJIT uint64 cdata
                      beyond 2^63 (an int64 cdata is an 'i') */
  lua_Number num;
  ca_c16 z;        /* 'c': the value */
  int64_t i;       /* 'i': the exact value (a Lua 5.4 integer beyond 2^53 keeps every bit);
                      'u': the bits of the uint64 value */
} operand;

static void read_operand(lua_State *L, int idx, operand *o, const char *fname) {
  memset(o, 0, sizeof *o);
  int t = lua_type(L, idx);
  if (t == LUA_TNUMBER) {
    o->num = lua_tonumber(L, idx);
    o->weak = ca_tointeger(L, idx, &o->i) ? 'i' : 'f';
  } else if (t == LUA_TBOOLEAN) {
    o->num = lua_toboolean(L, idx);
    o->weak = 'b';
  } else if (ca_tocomplex(L, idx, &o->z)) {
    o->weak = 'c';
  } else if (ca_is_int_cdata(L, idx)) {
    uint64_t big;
    if (ca_toint64(L, idx, &o->i)) {
      o->weak = 'i';
      o->num = (lua_Number)o->i;
    } else if (ca_touint64_big(L, idx, &big)) {
      o->weak = 'u';
      o->i = (int64_t)big;
      o->num = (lua_Number)big;
    }
  } else {
    o->arr = ca_test(L, idx);
    if (!o->arr)
      ca_raisef(L, "%s: operands must be arrays or numbers, got %s", fname, luaL_typename(L, idx));
    if (!o->arr->storage) ca_raisef(L, "%s: an operand array has been freed", fname);
  }
}

static int is_comparison(int op) {
  return op == CA_OP_equal || op == CA_OP_not_equal || op == CA_OP_less ||
         op == CA_OP_less_equal || op == CA_OP_greater || op == CA_OP_greater_equal;
}

/* What an integral number out of an integer dtype's range does beside it (weak_result). */
enum {
  WEAK_RAISE,   /* raises (NumPy 2's OverflowError) */
  WEAK_EXACT,   /* a comparison, which NumPy 2 makes exactly: both compare as int64 (beside
                   uint64, whose range holds every non-negative number: in float64) */
  WEAK_IN_FLOAT /* the op computes in a float whatever the integers (divide, arctan2): the
                   number is converted to that float, as NumPy 2 converts it to its loop's */
};

/* The dtype a weak scalar takes next to an array of dtype `dt` (NEP 50); `range` says what an
 * integral number out of the range of an integer dtype does. */
static int weak_result(lua_State *L, const operand *o, int dt, int range, const char *fname) {
  if (o->weak == 'b') return dt;
  if (o->weak == 'c') /* Python's complex: keeps a float's width, else complex128 */
    return ca_is_complex(dt) ? dt : ca_is_float(dt) && dt != CA_FLOAT64 ? CA_COMPLEX64 : CA_COMPLEX128;
  if (o->weak == 'f') return ca_is_inexact(dt) ? dt : CA_FLOAT64;
  if (o->weak == 'u') { /* beyond int64: only uint64 holds it (and floats take it) */
    if (ca_is_inexact(dt) || dt == CA_UINT64) return dt;
    if (range == WEAK_IN_FLOAT) return dt;
    if (range == WEAK_EXACT && ca_is_unsigned(dt)) return CA_UINT64;
    ca_raisef(L, "%s: Lua integer %llu is out of bounds for %s", fname,
              (unsigned long long)(uint64_t)o->i, ca_dtype_name(dt == CA_BOOL ? CA_INT64 : dt));
  }
  if (dt == CA_BOOL) return CA_INT64;
  if (ca_is_integer(dt) && !ca_int_fits(dt, o->i)) {
    /* (int64 cannot hold uint64's values; a negative number beside them compares exactly in
       float64, where every uint64 value stays non-negative) */
    if (range == WEAK_EXACT) return dt == CA_UINT64 ? CA_FLOAT64 : CA_INT64;
    if (range == WEAK_IN_FLOAT) return dt;
    ca_raisef(L, "%s: Lua integer %lld is out of bounds for %s", fname, (long long)o->i,
              ca_dtype_name(dt));
  }
  return dt;
}

/* How a binary op treats an out-of-range integral number (weak_result). */
static int weak_range(int op) {
  if (is_comparison(op)) return WEAK_EXACT;
  switch (ca_op_rules[op]) {
  case CA_RULE_TRUEDIV: case CA_RULE_FLOAT: case CA_RULE_DOUBLE: return WEAK_IN_FLOAT;
  default: return WEAK_RAISE;
  }
}

/* A weak scalar as a loop operand computed in `compute`: integers exactly. */
static ca_value operand_value(const operand *o, int compute) {
  ca_value v;
  if (o->weak == 'c') {
    if (ca_is_complex(compute)) v.z = o->z;
    else v = ca_value_from_number(o->z.re, compute);
    return v;
  }
  if ((o->weak != 'i' && o->weak != 'u') || ca_is_inexact(compute))
    return ca_value_from_number(o->num, compute);
  v.i = compute == CA_BOOL ? o->i != 0 : o->i; /* a 'u' beside uint64 only: its bits */
  return v;
}

/* z (0-d, of the weak scalar's own dtype) = the weak scalar, exactly. */
static void fill_lone(lua_State *L, ca_array *z, const operand *o) {
  if (o->weak == 'c') {
    ca_loop l;
    ca_array *ops[2] = {z, NULL};
    ca_value vals[2];
    int dts[2] = {z->dtype, CA_COMPLEX128};
    vals[1].z = o->z;
    ca_loop_build(&l, 0, NULL, 2, ops, vals, dts, z->dtype);
    CA_CHECK(L, ca_be(z), ca_be(z)->copy(ca_be(z), &l), "fill");
    return;
  }
  if (o->weak != 'i' && o->weak != 'u') {
    ca_fill(L, z, o->num);
    return;
  }
  ca_loop l;
  ca_array *ops[2] = {z, NULL};
  ca_value vals[2];
  int dts[2] = {z->dtype, o->weak == 'u' ? CA_UINT64 : CA_INT64};
  vals[1].i = o->i;
  ca_loop_build(&l, 0, NULL, 2, ops, vals, dts, z->dtype);
  CA_CHECK(L, ca_be(z), ca_be(z)->copy(ca_be(z), &l), "fill");
}

/* A weak scalar with no array beside it: int64, float64, bool or complex128 (uint64 beyond
 * int64). */
static int lone_dtype(const operand *o) {
  return o->weak == 'i' ? CA_INT64 : o->weak == 'u' ? CA_UINT64 : o->weak == 'b' ? CA_BOOL
         : o->weak == 'c' ? CA_COMPLEX128 : CA_FLOAT64;
}

static int operand_dtype(const operand *o) { return o->arr ? o->arr->dtype : lone_dtype(o); }

/* Whether scalar.h has complex formulas for an op (CA_CPLX_HAS_<op>). */
static const char has_cplx[] = {
#define CA_UNARY(name, rule) CA_HAS_CPLX(name),
#define CA_BINARY(name, rule) CA_HAS_CPLX(name),
#define CA_REDUCE(name, rule) 0,
#define CA_UNARY2(name, rule) 0,
#define CA_BINARY2(name, rule) 0,
#include "ops.def"
};

/* Applies an op's rule: the dtype to compute in and the result dtype. A complex dtype
 * computes in itself; abs and angle give its real dtype, predicates bool. */
static void apply_rule(lua_State *L, int op, int dt, int *compute, int *result, const char *fname) {
  if (ca_is_complex(dt)) {
    if (!has_cplx[op])
      ca_raisef(L, "%s: not supported for %s", fname, ca_dtype_name(dt));
    *compute = dt;
    *result = ca_op_rules[op] == CA_RULE_PREDICATE             ? CA_BOOL
              : op == CA_OP_abs || op == CA_OP_angle ? ca_real_of(dt)
                                                               : dt;
    return;
  }
  switch (ca_op_rules[op]) {
  case CA_RULE_SAME:
    *compute = *result = dt;
    return;
  case CA_RULE_NUMERIC:
    if (dt == CA_BOOL && (op == CA_OP_negative || op == CA_OP_subtract))
      ca_raisef(L, "%s: not supported for bool arrays (use logical_not / logical_xor)", fname);
    if (dt == CA_BOOL && op == CA_OP_sign) /* NumPy has no bool loop for sign */
      ca_raisef(L, "%s: not supported for bool arrays", fname);
    /* fallthrough */
  case CA_RULE_INTPROMOTE:
    *compute = *result = dt == CA_BOOL ? CA_INT8 : dt;
    return;
  case CA_RULE_TRUEDIV:
    *compute = *result = ca_is_float(dt) ? dt : CA_FLOAT64;
    return;
  case CA_RULE_FLOAT:
  case CA_RULE_FREXP: /* the exponents: see two_results */
    *compute = *result = ca_float_for(dt);
    return;
  case CA_RULE_PREDICATE:
    *compute = dt;
    *result = CA_BOOL;
    return;
  case CA_RULE_BITWISE:
    if (ca_is_float(dt))
      ca_raisef(L, "%s: not supported for %s (integers and bool only)", fname, ca_dtype_name(dt));
    *compute = *result = dt;
    return;
  case CA_RULE_SHIFT:
    if (ca_is_float(dt))
      ca_raisef(L, "%s: not supported for %s (integers only)", fname, ca_dtype_name(dt));
    *compute = *result = dt == CA_BOOL ? CA_INT8 : dt;
    return;
  case CA_RULE_INTEGER:
    if (!ca_is_integer(dt))
      ca_raisef(L, "%s: not supported for %s (integers only)", fname, ca_dtype_name(dt));
    *compute = *result = dt;
    return;
  case CA_RULE_DOUBLE:
    *compute = *result = CA_FLOAT64;
    return;
  case CA_RULE_LDEXP: /* ldexp_dtype chose it */
    *compute = *result = dt;
    return;
  default:
    ca_raisef(L, "%s: is not an elementwise op", fname);
  }
}

/* Whether a loop computing `result` must store into a result array, not straight into an
 * out of another dtype: these dtypes compute in a wider kind (int64, float), and NumPy
 * rounds or wraps to the result dtype before casting into out. */
static int narrows(int result) {
  return result != CA_BOOL && ca_kind_dtype(ca_compute_kind(result)) != result;
}

/* Checks a user-given `out` and returns it when the loop can write it directly: the same
 * dtype semantics, and no input it could overwrite before reading. Otherwise allocates the
 * result (pushed), which the caller then copies into out. */
static ca_array *result_array(lua_State *L, ca_array *out, ca_backend *be, int dtype, int nd,
                              const int64_t *shape, int nin, ca_array *const *ins,
                              const char *fname) {
  if (!out) return ca_new(L, be, dtype, nd, shape);
  ca_check_out(L, out, be, dtype, nd, shape, fname);
  int direct = out->dtype == dtype || !narrows(dtype);
  for (int k = 0; k < nin && direct; k++)
    if (ins[k] && ca_overlaps(out, ins[k])) direct = 0;
  return direct ? out : ca_new(L, be, dtype, nd, shape);
}

static ca_backend *common_backend(lua_State *L, ca_array *const *arrs, int n, const char *fname) {
  ca_backend *be = NULL;
  for (int k = 0; k < n; k++) {
    if (!arrs[k]) continue;
    if (be && ca_be(arrs[k]) != be)
      ca_raisef(L, "%s: arrays are on different devices (%s and %s); move one with a:to(device)",
                 fname, be->name, ca_be(arrs[k])->name);
    be = ca_be(arrs[k]);
  }
  return be ? be : ca_backend_get(L, ca_state_get(L)->default_device);
}

/* Runs a loop over operands (arrays or weak scalars) into the result and pushes it (or
 * writes `out`). Input k is read in in_dtypes[k]; the loop computes in `compute`. One input
 * runs the unary entry, two the binary one, three (cond, x, y) the backend's where. */
static void run_elementwise(lua_State *L, int op, int nin, const operand *ops, const int *in_dtypes,
                            int compute, int result, ca_array *out, const char *fname) {
  ca_array *arrs[CA_MAXOPS] = {0};
  for (int k = 0; k < nin; k++) arrs[k + 1] = ops[k].arr;
  ca_backend *be = common_backend(L, arrs + 1, nin, fname);
  int64_t shape[CA_MAXDIMS];
  int nd = ca_broadcast_shapes(L, fname, nin, (const ca_array *const *)(arrs + 1), shape);
  arrs[0] = result_array(L, out, be, result, nd, shape, nin, arrs + 1, fname);
  if (out) ca_check_live(L, out, fname);
  for (int k = 0; k <= nin; k++)
    if (arrs[k]) ca_check_live(L, arrs[k], fname);
  ca_value vals[CA_MAXOPS];
  int dts[CA_MAXOPS];
  for (int k = 0; k < nin; k++) {
    dts[k + 1] = in_dtypes[k];
    if (!ops[k].arr) vals[k + 1] = operand_value(&ops[k], in_dtypes[k]);
  }
  ca_loop l;
  ca_loop_build(&l, nd, shape, nin + 1, arrs, vals, dts, compute);
  if (l.size > 0) {
    ca_status st = nin == 1 ? be->unary(be, op, &l) : nin == 2 ? be->binary(be, op, &l) : be->where(be, &l);
    if (st != CA_OK) ca_raise_status(L, be, st, fname);
  }
  if (out && arrs[0] != out) { /* the result, then cast into out */
    ca_copy_into(L, out, arrs[0]);
    lua_pop(L, 1);
  }
}

static void apply_unary(lua_State *L, int op, int ia, ca_array *out, const char *fname) {
  operand a;
  read_operand(L, ia, &a, fname);
  int dt = operand_dtype(&a), compute, result;
  if (op == CA_OP_invert && dt == CA_BOOL) op = CA_OP_logical_not;
  if (op == CA_OP_angle && dt == CA_BOOL) dt = CA_INT64; /* NumPy: arctan2(0, x), 0 weak */
  if (op == CA_OP_round && dt == CA_BOOL) op = CA_OP_rint; /* NumPy rounds a bool with rint */
  apply_rule(L, op, dt, &compute, &result, fname);
  if (!a.arr) { /* a lone number: a 0-d array on the default device */
    ca_array *z = ca_new(L, ca_backend_get(L, ca_state_get(L)->default_device), dt, 0, NULL);
    fill_lone(L, z, &a);
    a.arr = z;
    run_elementwise(L, op, 1, &a, &compute, compute, result, out, fname);
    lua_remove(L, out ? -1 : -2);
  } else {
    run_elementwise(L, op, 1, &a, &compute, compute, result, out, fname);
  }
}

/* ldexp(x, e): x's float dtype, whatever e's integer dtype (NumPy's loops take int32 and
 * int64 exponents beside each float); a float exponent is refused. */
static int ldexp_dtype(lua_State *L, const operand *ops, const char *fname) {
  if (ops[1].weak == 'f' || (ops[1].arr && ca_is_float(ops[1].arr->dtype)))
    ca_raisef(L, "%s: the exponent must be integers, got %s", fname,
              ops[1].arr ? ca_dtype_name(ops[1].arr->dtype) : "a non-integral number");
  return ca_float_for(operand_dtype(&ops[0]));
}

static void apply_binary(lua_State *L, int op, int ia, int ib, ca_array *out, const char *fname) {
  operand ops[2];
  read_operand(L, ia, &ops[0], fname);
  read_operand(L, ib, &ops[1], fname);
  int dt;
  int pushed = 0, range = weak_range(op);
  if (!ops[0].arr && !ops[1].arr) { /* two numbers: the first becomes a 0-d array */
    ca_array *z = ca_new(L, ca_backend_get(L, ca_state_get(L)->default_device), lone_dtype(&ops[0]), 0, NULL);
    fill_lone(L, z, &ops[0]);
    ops[0].arr = z;
    ops[0].weak = 0;
    pushed = 1;
  }
  if (ca_op_rules[op] == CA_RULE_LDEXP) {
    dt = ldexp_dtype(L, ops, fname);
  } else if (ops[0].arr && ops[1].arr) {
    int d0 = ops[0].arr->dtype, d1 = ops[1].arr->dtype;
    /* a float function (arctan2) runs in the smallest float both inputs cast to safely, as
     * NumPy's loop search picks (int8 and uint8 give float16, not int16's float32) */
    dt = ca_op_rules[op] == CA_RULE_FLOAT ? ca_promote(ca_float_for(d0), ca_float_for(d1))
                                          : ca_promote(d0, d1);
  } else if (ops[0].arr) {
    dt = weak_result(L, &ops[1], ops[0].arr->dtype, range, fname);
  } else {
    dt = weak_result(L, &ops[0], ops[1].arr->dtype, range, fname);
  }
  int compute, result;
  apply_rule(L, op, dt, &compute, &result, fname);
  const int in_dtypes[2] = {compute, compute};
  run_elementwise(L, op, 2, ops, in_dtypes, compute, result, out, fname);
  if (pushed) lua_remove(L, out ? -1 : -2);
}

void ca_apply_unary(lua_State *L, int op, int ia, ca_array *out, const char *fname) {
  apply_unary(L, op, ia, out, fname ? fname : ca_op_names[op]);
}

void ca_apply_binary(lua_State *L, int op, int ia, int ib, ca_array *out, const char *fname) {
  apply_binary(L, op, ia, ib, out, fname ? fname : ca_op_names[op]);
}

/* ---- Lua functions ------------------------------------------------------------------ */

static const char *const out_opts[] = {"out", NULL};

/* cu.<unary>(x[, {out = c}]) and x:<unary>() */
static int l_unary(lua_State *L) {
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  ca_opt_check(L, 2, ca_op_names[op], out_opts);
  ca_array *out = ca_opt_out(L, 2, ca_op_names[op]);
  ca_apply_unary(L, op, 1, out, NULL); /* with out, pushes nothing: out is on top */
  return 1;
}

/* Raises unless n operands are given (nil counts as one), naming fname. */
static void check_operands(lua_State *L, int n, const char *fname) {
  if (lua_gettop(L) < n)
    ca_raisef(L, "%s: expected %d operand%s, got %d", fname, n, n > 1 ? "s" : "", lua_gettop(L));
}

/* cu.<binary>(x, y[, {out = c}]) and x:<binary>(y) */
static int l_binary(lua_State *L) {
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  check_operands(L, 2, ca_op_names[op]);
  ca_opt_check(L, 3, ca_op_names[op], out_opts);
  ca_array *out = ca_opt_out(L, 3, ca_op_names[op]);
  ca_apply_binary(L, op, 1, 2, out, NULL); /* with out, pushes nothing: out is on top */
  return 1;
}

/* ---- ops of two results ------------------------------------------------------------- */

/* (r1, r2) = op(x[, y]): the operands' dtype as for one result; both results take the rule's
 * dtype, except frexp's exponents, int32 as NumPy's. Pushes r1 and r2. */
static void two_results(lua_State *L, int op, int nin) {
  const char *fname = ca_op_names[op];
  operand ops[2];
  for (int k = 0; k < nin; k++) read_operand(L, k + 1, &ops[k], fname);
  if (!ops[0].arr && (nin == 1 || !ops[1].arr)) { /* numbers alone: the first as a 0-d array */
    ca_array *z = ca_new(L, ca_backend_get(L, ca_state_get(L)->default_device), lone_dtype(&ops[0]), 0, NULL);
    fill_lone(L, z, &ops[0]);
    lua_replace(L, 1);
    ops[0].arr = z;
    ops[0].weak = 0;
  }
  int dt;
  if (nin == 1 || (ops[0].arr && ops[1].arr)) dt = nin == 1 ? ops[0].arr->dtype : ca_promote(ops[0].arr->dtype, ops[1].arr->dtype);
  else if (ops[0].arr) dt = weak_result(L, &ops[1], ops[0].arr->dtype, weak_range(op), fname);
  else dt = weak_result(L, &ops[0], ops[1].arr->dtype, weak_range(op), fname);
  int compute, result;
  apply_rule(L, op, dt, &compute, &result, fname);
  int result2 = ca_op_rules[op] == CA_RULE_FREXP ? CA_INT32 : result;

  ca_array *arrs[CA_MAXOPS] = {0};
  for (int k = 0; k < nin; k++) arrs[k + 2] = ops[k].arr;
  ca_backend *be = common_backend(L, arrs + 2, nin, fname);
  int64_t shape[CA_MAXDIMS];
  int nd = ca_broadcast_shapes(L, fname, nin, (const ca_array *const *)(arrs + 2), shape);
  arrs[0] = ca_new(L, be, result, nd, shape);
  arrs[1] = ca_new(L, be, result2, nd, shape);
  for (int k = 0; k < nin + 2; k++)
    if (arrs[k]) ca_check_live(L, arrs[k], fname);
  ca_value vals[CA_MAXOPS];
  int dts[CA_MAXOPS];
  for (int k = 0; k < nin; k++) {
    dts[k + 2] = compute;
    if (!ops[k].arr) vals[k + 2] = operand_value(&ops[k], compute);
  }
  ca_loop l;
  ca_loop_build(&l, nd, shape, nin + 2, arrs, vals, dts, compute);
  if (l.size > 0) {
    ca_status st = nin == 1 ? be->unary(be, op, &l) : be->binary(be, op, &l);
    if (st != CA_OK) ca_raise_status(L, be, st, fname);
  }
}

/* cu.modf(x), cu.frexp(x) and x:modf(): two arrays */
static int l_unary2(lua_State *L) {
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  check_operands(L, 1, ca_op_names[op]);
  lua_settop(L, 1);
  two_results(L, op, 1);
  return 2;
}

/* cu.divmod(x, y) and x:divmod(y): two arrays */
static int l_binary2(lua_State *L) {
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  check_operands(L, 2, ca_op_names[op]);
  lua_settop(L, 2);
  two_results(L, op, 2);
  return 2;
}

/* a:<op>_(...), Torch's in-place form: the op written into a itself (out = a, so a's dtype
 * must hold the result under the same_kind rule, as for any out), returning a. Upvalues: the
 * op and the method's name. */
static int l_inplace(lua_State *L) {
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  const char *fname = lua_tostring(L, lua_upvalueindex(2));
  int binary = ca_op_classes[op] == CA_BINARY_OP;
  ca_array *a = ca_check_arg(L, 1, fname);
  if (binary && lua_gettop(L) != 2)
    return ca_raisef(L, "%s: takes one operand (the result goes into the array itself), got %d",
                     fname, lua_gettop(L) - 1);
  if (!binary && lua_gettop(L) != 1)
    return ca_raisef(L, "%s: takes no arguments (the result goes into the array itself)", fname);
  if (binary) apply_binary(L, op, 1, 2, a, fname);
  else apply_unary(L, op, 1, a, fname);
  lua_settop(L, 1);
  return 1;
}

/* Metamethods: Lua passes the operands in order, either may be a number. */
#define CA_META(mm, opname) \
  static int mm(lua_State *L) { ca_apply_binary(L, CA_OP_##opname, 1, 2, NULL, NULL); return 1; }
CA_META(mt_add, add)
CA_META(mt_sub, subtract)
CA_META(mt_mul, multiply)
CA_META(mt_div, divide)
CA_META(mt_mod, mod)
CA_META(mt_pow, power)
CA_META(mt_idiv, floor_divide)
CA_META(mt_band, bitwise_and)
CA_META(mt_bor, bitwise_or)
CA_META(mt_bxor, bitwise_xor)
CA_META(mt_shl, left_shift)
CA_META(mt_shr, right_shift)
#undef CA_META
static int mt_unm(lua_State *L) { ca_apply_unary(L, CA_OP_negative, 1, NULL, NULL); return 1; }
static int mt_bnot(lua_State *L) { ca_apply_unary(L, CA_OP_invert, 1, NULL, NULL); return 1; }

/* cu.where(cond, x, y): elementwise choice; cu.where(cond) is cu.nonzero(cond). */
static int l_where(lua_State *L) {
  if (lua_gettop(L) == 1) {
    lua_getfield(L, lua_upvalueindex(1), "nonzero");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    return 1;
  }
  operand ops[3];
  read_operand(L, 1, &ops[0], "where");
  read_operand(L, 2, &ops[1], "where");
  read_operand(L, 3, &ops[2], "where");
  int dt;
  if (ops[1].arr && ops[2].arr) dt = ca_promote(ops[1].arr->dtype, ops[2].arr->dtype);
  else if (ops[1].arr) dt = weak_result(L, &ops[2], ops[1].arr->dtype, WEAK_RAISE, "where");
  else if (ops[2].arr) dt = weak_result(L, &ops[1], ops[2].arr->dtype, WEAK_RAISE, "where");
  else dt = ca_promote(lone_dtype(&ops[1]), lone_dtype(&ops[2]));
  if (!ops[0].arr && !ops[1].arr && !ops[2].arr)
    return ca_raisef(L, "where: at least one operand must be an array");
  /* cond is read as a truth value in its own dtype; x and y convert to the result dtype */
  const int in_dtypes[3] = {CA_BOOL, dt, dt};
  run_elementwise(L, -1, 3, ops, in_dtypes, dt, dt, NULL, "where");
  return 1;
}

/* cu.clip(a, lo, hi[, {out = c}]): lo or hi may be nil. */
static int l_clip(lua_State *L) {
  ca_check(L, 1);
  if (lua_isnoneornil(L, 2) && lua_isnoneornil(L, 3))
    return ca_raisef(L, "clip: one of lo and hi must be given");
  ca_opt_check(L, 4, "clip", out_opts);
  lua_settop(L, 4);
  ca_array *out = ca_opt_out(L, 4, "clip"); /* at 5 */
  if (out) ca_check_writable(L, out, "clip");
  int cur = 1;
  if (!lua_isnoneornil(L, 2)) {
    ca_apply_binary(L, CA_OP_maximum, cur, 2, lua_isnoneornil(L, 3) ? out : NULL, "clip");
    cur = lua_gettop(L);
  }
  if (!lua_isnoneornil(L, 3)) ca_apply_binary(L, CA_OP_minimum, cur, 3, out, "clip");
  if (out) lua_pushvalue(L, 5);
  return 1;
}

/* Comparison methods with short names: a:lt(b), a:eq(b), ... */
static const struct { const char *name; int op; } short_names[] = {
  {"eq", CA_OP_equal}, {"ne", CA_OP_not_equal}, {"lt", CA_OP_less}, {"le", CA_OP_less_equal},
  {"gt", CA_OP_greater}, {"ge", CA_OP_greater_equal},
};

/* NumPy's other names for the same ops, and PyTorch's short ones. */
static const struct { const char *name; int op; } aliases[] = {
  {"remainder", CA_OP_mod}, {"true_divide", CA_OP_divide}, {"absolute", CA_OP_abs},
  {"bitwise_not", CA_OP_invert}, {"pow", CA_OP_power},
  {"around", CA_OP_round}, {"asin", CA_OP_arcsin}, {"acos", CA_OP_arccos}, {"atan", CA_OP_arctan},
  {"atan2", CA_OP_arctan2}, {"sub", CA_OP_subtract}, {"mul", CA_OP_multiply},
  {"div", CA_OP_divide}, {"neg", CA_OP_negative}, {"radians", CA_OP_deg2rad},
  {"degrees", CA_OP_rad2deg}, {"fix", CA_OP_trunc}, {"asinh", CA_OP_arcsinh},
  {"acosh", CA_OP_arccosh}, {"atanh", CA_OP_arctanh},
};

/* Sets op's entry (in the op table on top of the stack) own16[dt] = true: dt, a 16-bit float
 * dtype, has a formula of its own for the op (scalar.h's CA_HALF_FORMULAS, CA_BF16_FORMULAS),
 * whose results differ from float's rounded. */
static void mark_own16(lua_State *L, int op, const char *dt) {
  lua_rawgeti(L, -1, op + 1);
  lua_getfield(L, -1, "own16");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "own16");
  }
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, dt);
  lua_pop(L, 2);
}

/* cu._ops: the op table as Lua sees it, {name =, kind = "unary"|"binary"|"unary2"|"binary2"|
 * "reduce", rule =, own16 =} in
 * ops.def's order, so that specs walk the table the backends are built from. */
static void push_op_table(lua_State *L) {
  static const char *const kinds[] = {[CA_UNARY_OP] = "unary", [CA_BINARY_OP] = "binary",
                                      [CA_REDUCE_OP] = "reduce", [CA_UNARY2_OP] = "unary2",
                                      [CA_BINARY2_OP] = "binary2"};
  static const char *const rules[] = {
    [CA_RULE_SAME] = "same", [CA_RULE_NUMERIC] = "numeric", [CA_RULE_INTPROMOTE] = "intpromote",
    [CA_RULE_TRUEDIV] = "truediv", [CA_RULE_FLOAT] = "float", [CA_RULE_PREDICATE] = "predicate",
    [CA_RULE_BITWISE] = "bitwise", [CA_RULE_SHIFT] = "shift",
    [CA_RULE_INTEGER] = "integer", [CA_RULE_DOUBLE] = "double",
    [CA_RULE_LDEXP] = "ldexp", [CA_RULE_FREXP] = "frexp", [CA_RULE_ACCUMULATE] = "accumulate",
    [CA_RULE_INDEX] = "index", [CA_RULE_MEAN] = "mean", [CA_RULE_MOMENT] = "moment",
    [CA_RULE_COUNT] = "count", [CA_RULE_RANGE] = "range",
  };
  lua_createtable(L, CA_NOPS, 0);
  for (int op = 0; op < CA_NOPS; op++) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, ca_op_names[op]);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, kinds[ca_op_classes[op]]);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, rules[ca_op_rules[op]]);
    lua_setfield(L, -2, "rule");
    lua_rawseti(L, -2, op + 1);
  }
#define CA_OWN_HALF(name, nin) mark_own16(L, CA_OP_##name, "float16");
#define CA_OWN_BF16(name, nin) mark_own16(L, CA_OP_##name, "bfloat16");
  CA_HALF_FORMULAS(CA_OWN_HALF)
  CA_BF16_FORMULAS(CA_OWN_BF16)
#undef CA_OWN_HALF
#undef CA_OWN_BF16
}

/* cu.<name> and a:<name>, and for the ops whose result can go back into their operand (all
 * but the predicates, whose bool results would land as 0 and 1) the method a:<name>_. */
static void register_op(lua_State *L, const char *name, int op) {
  int kind = ca_op_classes[op];
  if (kind == CA_REDUCE_OP) return;
  lua_pushinteger(L, op);
  lua_pushcclosure(L, kind == CA_BINARY_OP ? l_binary : kind == CA_UNARY_OP ? l_unary
                      : kind == CA_BINARY2_OP ? l_binary2 : l_unary2, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, name); /* module */
  lua_setfield(L, -2, name); /* methods */
  if (ca_op_rules[op] == CA_RULE_PREDICATE || kind == CA_UNARY2_OP || kind == CA_BINARY2_OP) return;
  lua_pushfstring(L, "%s_", name);
  lua_pushinteger(L, op);
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, l_inplace, 2);
  lua_rawset(L, -3); /* methods */
}

void ca_open_ops(lua_State *L) {
  for (int op = 0; op < CA_NOPS; op++) register_op(L, ca_op_names[op], op);
  for (size_t i = 0; i < sizeof short_names / sizeof short_names[0]; i++)
    register_op(L, short_names[i].name, short_names[i].op);
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    register_op(L, aliases[i].name, aliases[i].op);
  push_op_table(L);
  lua_setfield(L, -3, "_ops");
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, l_where, 1);
  lua_setfield(L, -3, "where");
  lua_pushcfunction(L, l_clip);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "clip");
  lua_setfield(L, -2, "clip");
  static const luaL_Reg meta[] = {
    {"__add", mt_add}, {"__sub", mt_sub}, {"__mul", mt_mul}, {"__div", mt_div},
    {"__mod", mt_mod}, {"__pow", mt_pow}, {"__unm", mt_unm}, {"__idiv", mt_idiv},
    {"__band", mt_band}, {"__bor", mt_bor}, {"__bxor", mt_bxor}, {"__shl", mt_shl},
    {"__shr", mt_shr}, {"__bnot", mt_bnot}, {NULL, NULL}
  };
  luaL_getmetatable(L, CA_ARRAY_MT);
  for (const luaL_Reg *r = meta; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pop(L, 1);
}
