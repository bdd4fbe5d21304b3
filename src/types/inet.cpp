// placeholder
#include <pgpx/types/inet.hpp>
