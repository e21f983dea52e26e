# cmake/embed_bytes.cmake: a file's bytes as a C array initialiser, for the
# generators that embed files into chainsim (web/embed.cmake for the
# dashboard page, plots/embed.cmake for the gnuplot scripts). Plain CMake:
# file(READ ... HEX) and string(REGEX REPLACE), no xxd.
#
# embed_bytes(FILE OUT_BYTES OUT_SIZE) sets OUT_BYTES to "0x..,0x..,..." (24
# bytes a line, no terminator) and OUT_SIZE to the file's size in bytes.
function(embed_bytes file out_bytes out_size)
  file(READ ${file} _hex HEX)
  string(LENGTH "${_hex}" _hexlen)
  math(EXPR _size "${_hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
  # One line per 24 bytes keeps the generated file readable.
  string(REPEAT "0x[0-9a-f][0-9a-f]," 24 _line)
  string(REGEX REPLACE "(${_line})" "\\1\n    " _bytes "${_bytes}")
  set(${out_bytes} "${_bytes}" PARENT_SCOPE)
  set(${out_size} ${_size} PARENT_SCOPE)
endfunction()
