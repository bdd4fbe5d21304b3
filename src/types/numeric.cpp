// placeholder
#include <pgpx/types/numeric.hpp>
