#include <cblas.h>
/* OpenBLAS extensions (thread control, core name) are declared in OpenBLAS's cblas.h. */
