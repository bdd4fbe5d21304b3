// placeholder
#include <pgpx/core/config.hpp>
