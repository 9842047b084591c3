/* How each op of ops.def chooses its dtypes (the `rule` column). */
#ifndef CA_OPS_H
#define CA_OPS_H

typedef enum ca_rule {
  CA_RULE_SAME,        /* result is the (promoted) input dtype, bool included (reductions:
                          min/max folds) */
  CA_RULE_NUMERIC,     /* as SAME, bool computes as int8 (negative/subtract reject bool) */
  CA_RULE_INTPROMOTE,  /* as SAME, bool computes as int8 */
  CA_RULE_TRUEDIV,     /* float input keeps its dtype, anything else gives float64 */
  CA_RULE_FLOAT,       /* ca_float_for(input): the math functions */
  CA_RULE_PREDICATE,   /* bool result, computed in the (promoted) input dtype; reductions:
                          folds over the truth of the elements (all, any) */
  CA_RULE_BITWISE,     /* integers and bool only */
  CA_RULE_SHIFT,       /* integers only (bool computes as int8) */
  CA_RULE_INTEGER,     /* integers only, bool refused (gcd, lcm) */
  CA_RULE_DOUBLE,      /* float64 whatever the input (float_power, sinc) */
  CA_RULE_LDEXP,       /* ldexp(x, e): ca_float_for(x), e integers or bool only */
  CA_RULE_FREXP,       /* frexp: ca_float_for(x), and int32 exponents */
  /* reductions (src/reduce_ops.h: the rule also gives the kind of accumulator) */
  CA_RULE_ACCUMULATE,  /* sum/prod folds: float input keeps its dtype, else int64; `dtype` */
  CA_RULE_INDEX,       /* arg-reductions: int64 1-based positions; one axis */
  CA_RULE_MEAN,        /* mean folds: float input keeps its dtype, else float64; `dtype` */
  CA_RULE_MOMENT,      /* var/std: dtypes as MEAN; `dtype` and `ddof` */
  CA_RULE_COUNT,       /* folds over the truth of the elements counted in int64 */
  CA_RULE_RANGE        /* ptp: the input's dtype (not bool) */
} ca_rule;

extern const char *const ca_op_names[];
extern const ca_rule ca_op_rules[];

#endif
