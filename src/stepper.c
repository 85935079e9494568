/* stepper.c - the table of descriptions a run evolves (see include/nnq/stepper.h). */
#include "nnq/stepper.h"

const struct nnq_stepper_ops *const nnq_steppers[] = {
    &nnq_stepper_schrodinger, /* the reference: first */
    &nnq_stepper_madelung,
    NULL,
};
