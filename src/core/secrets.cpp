// placeholder
#include <pgpx/core/secrets.hpp>
