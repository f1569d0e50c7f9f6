package batchfile

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

func TestParseHeader(t *testing.T) {
	for _, test := range []struct {
		name    string
		dict    string
		want    npyHeader // dtype.order is not compared
		wantErr string
	}{
		{
			name: "numpy float64",
			dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
			want: npyHeader{dtype: dtype{kind: 'f', size: 8}, shape: []int{2, 3}},
		},
		{
			name: "float32, rank 1, fortran",
			dict: "{'descr': '>f4', 'fortran_order': True, 'shape': (7,), }",
			want: npyHeader{dtype: dtype{kind: 'f', size: 4}, fortran: true, shape: []int{7}},
		},
		{
			name: "scalar, double quotes, no trailing comma",
			dict: `{"descr": "<f8", "fortran_order": False, "shape": ()}`,
			want: npyHeader{dtype: dtype{kind: 'f', size: 8}, shape: []int{}},
		},
		{
			name: "python 2 longs",
			dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }",
			want: npyHeader{dtype: dtype{kind: 'f', size: 8}, shape: []int{2, 3}},
		},
		{
			name: "int64, for the integer reader",
			dict: "{'descr': '<i8', 'fortran_order': False, 'shape': (), }",
			want: npyHeader{dtype: dtype{kind: 'i', size: 8}, shape: []int{}},
		},
		{
			name: "uint8 without a byte order",
			dict: "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
			want: npyHeader{dtype: dtype{kind: 'u', size: 1}, shape: []int{3}},
		},
		{
			name:    "int16 without a byte order",
			dict:    "{'descr': '|i2', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "|i2" has no byte order`,
		},
		{name: "not a dict", dict: "[1, 2]", wantErr: "header is a list, not a dict"},
		{name: "empty", dict: "", wantErr: "unexpected end of header"},
		{name: "unterminated dict", dict: "{'descr': '<f8'", wantErr: "unterminated dict"},
		{name: "unterminated string", dict: "{'descr: 1}", wantErr: "unterminated string"},
		{name: "missing colon", dict: "{'descr' '<f8'}", wantErr: `missing ':' after key "descr"`},
		{name: "int key", dict: "{1: 2}", wantErr: "dict key is a int, not a str"},
		{name: "trailing junk", dict: "{} x", wantErr: `unexpected "x" after the header dict`},
		{name: "unknown name", dict: "{'a': Maybe}", wantErr: `unexpected name "Maybe"`},
		{name: "bad number", dict: "{'a': 12abc}", wantErr: `malformed number "abc}"`},
		{name: "lone sign", dict: "{'a': -}", wantErr: `malformed number "-"`},
		{
			name:    "missing shape",
			dict:    "{'descr': '<f8', 'fortran_order': False}",
			wantErr: `missing key "shape"`,
		},
		{
			name:    "extra key",
			dict:    "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
			wantErr: `unexpected key "x"`,
		},
		{
			name:    "duplicate key",
			dict:    "{'descr': '<f8', 'descr': '<f8'}",
			wantErr: `duplicate key "descr"`,
		},
		{
			name:    "fortran_order not bool",
			dict:    "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}",
			wantErr: "'fortran_order' is a int, not a bool",
		},
		{
			name:    "shape a list",
			dict:    "{'descr': '<f8', 'fortran_order': False, 'shape': [1, 2]}",
			wantErr: "'shape' is a list, not a tuple",
		},
		{
			name:    "shape an int",
			dict:    "{'descr': '<f8', 'fortran_order': False, 'shape': (3)}",
			wantErr: "'shape' is a int, not a tuple",
		},
		{
			name:    "negative dimension",
			dict:    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1)}",
			wantErr: "'shape' item 1 is -1, out of range",
		},
		{
			name:    "dimension a string",
			dict:    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, '3')}",
			wantErr: "'shape' item 1 is a str, not an int",
		},
		{
			name:    "no byte order",
			dict:    "{'descr': 'f8', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "f8" has no byte order`,
		},
		{
			name:    "pipe byte order",
			dict:    "{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "|f4" has no byte order`,
		},
		{
			name:    "object dtype",
			dict:    "{'descr': '|O', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "|O" is not float16, float32 or float64`,
		},
		{
			name:    "float128",
			dict:    "{'descr': '<f16', 'fortran_order': False, 'shape': (2,)}",
			wantErr: "dtype float128 is not float16, float32 or float64",
		},
		{
			name:    "odd float size",
			dict:    "{'descr': '<f3', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "<f3" is not float16, float32 or float64`,
		},
		{
			name:    "signed size",
			dict:    "{'descr': '<f+8', 'fortran_order': False, 'shape': (2,)}",
			wantErr: `dtype "<f+8" is not float16, float32 or float64`,
		},
		{
			name:    "too deep",
			dict:    "{'a': ((((((((((((((((((1,),),),),),),),),),),),),),),),),),)}",
			wantErr: "header nested too deeply",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			var h npyHeader
			err := h.parse(test.dict)
			if test.wantErr != "" {
				if err == nil {
					t.Fatalf("parse succeeded: %+v", h)
				}
				if diff := cmp.Diff(test.wantErr, err.Error()); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			h.dtype.order = nil
			if diff := cmp.Diff(test.want, h, cmp.AllowUnexported(npyHeader{}, dtype{})); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendNPYHeader(t *testing.T) {
	for _, test := range []struct {
		name  string
		descr string
		shape []int
	}{
		{"matrix", "<f8", []int{2, 3}},
		{"vector", "<f4", []int{7}},
		{"empty targets", "<f8", []int{0, 6}},
		{"scalar", "<f8", []int{}},
		{"rank 5", "<f4", []int{16, 3, 80, 80, 85}},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := appendNPYHeader(nil, test.descr, test.shape)
			if len(b)%64 != 0 {
				t.Errorf("header length %d is not a multiple of 64", len(b))
			}
			size := 8
			if test.descr == "<f4" {
				size = 4
			}
			n, _ := tensor.Size(test.shape)
			avail := uint64(len(b) + n*size)
			h, err := readNPYHeader(bytes.NewReader(b), avail, limits{max: MaxBytes})
			if err != nil {
				t.Fatalf("readNPYHeader: %v", err)
			}
			want := npyHeader{
				dtype:  dtype{kind: 'f', size: size, order: binary.LittleEndian},
				shape:  test.shape,
				count:  int64(n),
				nbytes: int64(n * size),
				mem:    int64(n * size),
				conv:   size,
				hdrLen: int64(len(b)),
			}
			if diff := cmp.Diff(want, h, cmp.AllowUnexported(npyHeader{}, dtype{}), cmp.Comparer(func(a, b binary.ByteOrder) bool { return a == b })); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
