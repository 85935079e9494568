/*
 * expr_tree.h - the tree of an expression's text, as libmatheval builds it.
 *
 * libmatheval (which evaluates every expression) keeps its tree private and prints it with
 * numbers to 6 digits. This module parses the same text with libmatheval's grammar
 * (precedence + - < * / < unary minus < ^, every binary operator left-associative, so -x^2 is
 * -(x^2), -x*y is (-x)*y and x^y^z is (x^y)^z) and applies its simplifications (constant
 * subtrees folded; x*1, 1*x, x+0, 0+x, x-0, x/1, x^1 -> x; x^0, 1^x -> 1; 0^x -> 0). A tree
 * is trusted only when its printed form equals libmatheval's own print of the text
 * (nnq_expr_tree_same): then the two trees are one, and what is derived from ours (the split
 * of V(q, t) into separable terms) is exact by construction, not by sampling.
 */
#ifndef NNQ_EXPR_TREE_H
#define NNQ_EXPR_TREE_H

#include <stddef.h>

enum nnq_expr_op {
    NNQ_EXPR_NUM,  /* num */
    NNQ_EXPR_NAME, /* name: a variable or a named constant (pi, e ...: never folded) */
    NNQ_EXPR_FUN,  /* name(a) */
    NNQ_EXPR_NEG,  /* -a */
    NNQ_EXPR_ADD,  /* a + b */
    NNQ_EXPR_SUB,
    NNQ_EXPR_MUL,
    NNQ_EXPR_DIV,
    NNQ_EXPR_POW
};

#define NNQ_EXPR_NAME_MAX 32

/* Invariant: a is set for FUN, NEG and the binary ops, b for the binary ops only; name is
 * set for NAME and FUN. A tree owns its nodes. */
struct nnq_expr_node {
    enum nnq_expr_op op;
    double num;
    char name[NNQ_EXPR_NAME_MAX];
    struct nnq_expr_node *a, *b;
};

/* The simplified tree of text, or NULL: a text the grammar rejects, a name too long, out of
 * memory. The caller frees it (nnq_expr_tree_free). */
struct nnq_expr_node *nnq_expr_tree_parse(const char *text);

/* 1 when tree is the tree libmatheval built for text (ev: its evaluator of text): their
 * printed forms agree. Cannot fail (0 when unsure). */
int nnq_expr_tree_same(const struct nnq_expr_node *tree, void *ev);

/* Prints n fully parenthesised as libmatheval does, numbers with `digits` significant digits
 * (17 reads back exactly), into buf (size cap, NUL-terminated). Returns the length it needs
 * (as snprintf: buf holds all of it when that is below cap). Cannot fail. */
size_t nnq_expr_tree_print(const struct nnq_expr_node *n, int digits, char *buf, size_t cap);

/* The text of n (17 digits) in a new buffer that the caller frees, or NULL (out of memory). */
char *nnq_expr_tree_text(const struct nnq_expr_node *n);

/* A deep copy of n, or NULL (out of memory). */
struct nnq_expr_node *nnq_expr_tree_copy(const struct nnq_expr_node *n);

/* The derivative of n in one variable, any of whose names are names[0 .. count) (an axis and
 * its aliases: x, q0 and its own name), simplified as a parse is (the zero terms of the
 * product and chain rules left out). NULL where no gradient holds everywhere it is evaluated:
 * step, delta or nandelta of an argument that depends on the variable (a jump or a spike,
 * which a derivative taken point by point misses), a function without a rule here; where it
 * would take more than NNQ_EXPR_DERIVATIVE_NODES nodes (the product and chain rules copy
 * subtrees: a long product of factors in the variable grows as the square of its length);
 * or out of memory. The caller frees it. */
#define NNQ_EXPR_DERIVATIVE_NODES 20000L
struct nnq_expr_node *nnq_expr_tree_derivative(const struct nnq_expr_node *n,
                                               const char *const *names, int count);

/* Frees the tree; NULL is a no-op. */
void nnq_expr_tree_free(struct nnq_expr_node *n);

#endif
