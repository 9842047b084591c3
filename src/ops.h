/* How each op of ops.def chooses its dtypes (the `rule` column). */
#ifndef CA_OPS_H
#define CA_OPS_H

typedef enum ca_rule {
  CA_RULE_SAME,        /* result is the (promoted) input dtype, bool included */
  CA_RULE_NUMERIC,     /* as SAME, bool computes as int8 (negative/subtract reject bool) */
  CA_RULE_INTPROMOTE,  /* as SAME, bool computes as int8 */
  CA_RULE_TRUEDIV,     /* float input keeps its dtype, anything else gives float64 */
  CA_RULE_FLOAT,       /* ca_float_for(input): the math functions */
  CA_RULE_PREDICATE,   /* bool result, computed in the (promoted) input dtype */
  CA_RULE_BITWISE,     /* integers and bool only */
  CA_RULE_SHIFT,       /* integers only (bool computes as int8) */
  CA_RULE_ACCUMULATE,  /* reductions: sum/prod, integers accumulate in int64 */
  CA_RULE_INDEX,       /* reductions: argmin/argmax, int64 1-based positions */
  CA_RULE_MEAN         /* reductions: float result, float64 for integer input */
} ca_rule;

extern const char *const ca_op_names[];
extern const ca_rule ca_op_rules[];

#endif
