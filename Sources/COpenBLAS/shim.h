// OpenBLAS's CBLAS interface (Debian: apt-get install libopenblas-dev).
#include <cblas.h>
