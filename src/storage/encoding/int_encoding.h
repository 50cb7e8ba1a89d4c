#include "storage/encoding/encodings_stub.h"
