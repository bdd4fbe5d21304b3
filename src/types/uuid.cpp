// placeholder
#include <pgpx/types/uuid.hpp>
