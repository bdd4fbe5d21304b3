// placeholder
#include <pgpx/types/chrono.hpp>
