// placeholder
#include <pgpx/observe/log.hpp>
