/*
 * expr_block.h - (inside the library) an expression's tree (nnq/expr_tree.h) compiled for
 * evaluation a block of grid points at a time: the fill of a V(t) that does not split into
 * separable terms.
 *
 * libmatheval walks its tree once per point (45-100 ns a point). Here the tree is compiled
 * once into three parts: its subtrees that depend on neither t nor the point are numbers;
 * those that depend on t alone (sin(t)) are evaluated once per fill; those that depend on the
 * point alone (y^2, 0.5*(x^2+y^2)) are tabulated at create (at most NNQ_EXPR_BLOCK_TABLES of
 * them); the rest is a postfix program run on blocks of up to NNQ_EXPR_BLOCK points, each
 * operation a loop over the block. Blocks stay within rows of the fastest axis, so that the
 * slower axes, and what depends on them alone, are one value a block.
 *
 * Its values equal libmatheval's bit for bit, except where `simd` is asked for: then exp, log,
 * sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, erf and pow come from libmvec's SIMD
 * lanes (within 4 ulp of libm's, as the kick's factors), every point from a lane, so that a
 * point's value does not depend on where a rank's or a thread's share starts. Bit for bit
 * otherwise: the same operations in the same order (the tree is libmatheval's:
 * nnq_expr_tree_same), the functions libmatheval calls (libm's; step, delta and nandelta as
 * it defines them; any other function of libmatheval's is evaluated by libmatheval itself,
 * point by point), and x^2 as x*x (glibc's pow(x, 2) is x*x rounded once, which x*x is).
 */
#ifndef NNQ_EXPR_BLOCK_H
#define NNQ_EXPR_BLOCK_H

#include <stddef.h>

#include "nnq/expr_tree.h"
#include "nnq/grid.h"

#define NNQ_EXPR_BLOCK 256
#define NNQ_EXPR_BLOCK_TABLES 4

/* What a variable's name stands for. */
enum nnq_expr_role {
    NNQ_EXPR_AXIS0,
    NNQ_EXPR_AXIS1,
    NNQ_EXPR_AXIS2,
    NNQ_EXPR_LOSS, /* L of the point */
    NNQ_EXPR_TIME,
    NNQ_EXPR_HBAR,
    NNQ_EXPR_MASS
};

struct nnq_expr_var {
    const char *name;
    enum nnq_expr_role role;
};

struct nnq_expr_block;

/* Compiles tree (libmatheval's tree of the expression; borrowed for the call) whose variables
 * are vars[0 .. nvars) for grid g (borrowed for the block's life; NULL: for points anywhere,
 * nnq_expr_block_points, and a tree with L cannot be compiled), with the constants hbar and
 * mass; L: the loss on the slab when it does not change with t (tables may be made from it),
 * else NULL. simd: libmvec's functions (above). Returns 1 with *out made, 0 when the tree
 * cannot be compiled (a name that is not a variable or libmatheval's constant, deeper than
 * the program's stack), -1 out of memory; *out NULL unless 1. */
int nnq_expr_block_create(const struct nnq_expr_node *tree, const struct nnq_expr_var *vars,
                          int nvars, const struct nnq_grid *g, double hbar, double mass,
                          const double *L, int simd, struct nnq_expr_block **out);

/* The value at the m points of the slab from flat index start on (out: m values), at time t;
 * L: the loss on the slab when create had none (else ignored). Cannot fail. */
void nnq_expr_block_eval(const struct nnq_expr_block *b, double t, const double *L, ptrdiff_t start,
                         ptrdiff_t m, double *out);

/* The values at count points q (point-major, d values each: the axes, in the box or not) at
 * time t, into out, for a block made with g NULL (points anywhere: no tables, no L). Each
 * point's value is what nnq_expr_block_eval gives at a grid point with its coordinates.
 * Cannot fail. */
void nnq_expr_block_points(const struct nnq_expr_block *b, double t, const double *q, int d,
                           ptrdiff_t count, double *out);

/* The number of tables a block of tree holds (points' values each), for memory estimates;
 * vars and L as create's (L: 1 when the loss is fixed). Cannot fail. */
int nnq_expr_block_tables(const struct nnq_expr_node *tree, const struct nnq_expr_var *vars,
                          int nvars, int loss_fixed);

/* Frees b; NULL is a no-op. */
void nnq_expr_block_destroy(struct nnq_expr_block *b);

#endif
