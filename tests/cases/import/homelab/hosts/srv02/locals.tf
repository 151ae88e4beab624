locals {
  node = "srv02"
}
