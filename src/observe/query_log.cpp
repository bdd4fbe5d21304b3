// placeholder
#include <pgpx/observe/query_log.hpp>
